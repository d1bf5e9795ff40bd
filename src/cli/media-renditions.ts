// npm run media:renditions: gives images uploaded before the current rendition rule the widths they lack
// (media/renditions-backfill.ts), then renders again the post bodies that show library images, so that
// they list every rendition with its width, height and sizes (posts/body-refresh.ts). Run once after
// upgrading; running it again does only what is still missing. Servers may keep running meanwhile.
import { configuredStorage } from '../media/storage-choice.js';
import { addMissingRenditions } from '../media/renditions-backfill.js';
import { refreshBodyImages } from '../posts/body-refresh.js';
import { runCli } from './run.js';

await runCli(async ({ config }) => {
  const report = (line: string) => console.error(line);
  const renditions = await addMissingRenditions(configuredStorage(config), report);
  console.error(`${renditions.checked} image(s) checked: ${renditions.updated.length} given ${renditions.made} new rendition(s), ${renditions.failures.length} failed.`);
  for (const failure of renditions.failures) console.error(`FAILED image ${failure.id}: ${failure.reason}`);
  const bodies = await refreshBodyImages(report);
  console.error(`${bodies.checked} post(s) show library images: ${bodies.updated} rendered again with their sizes and renditions.`);
  if (renditions.failures.length > 0) {
    console.error('Some images could not be given their renditions (listed above). Run the same command again to retry them.');
    process.exitCode = 1;
  }
});
