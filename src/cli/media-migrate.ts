// npm run media:migrate -- --to s3|local [--progress FILE]: copies every media object from the other
// storage into this one, verifying each (size and SHA-256), resumable, with progress on stderr. It switches
// nothing: once every object is verified it tells the operator to set STORAGE. No database is needed, as
// records keep the same keys in both stores.
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, ensureDevelopmentSecret, loadConfig, loadDotEnv } from '../config.js';
import { migrateMedia } from '../media/media-migration.js';
import { storageFor } from '../media/storage-choice.js';

const USAGE = 'Usage: npm run media:migrate -- --to s3|local [--progress FILE]';

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({ options: { to: { type: 'string' }, progress: { type: 'string' } }, strict: true }).values;
  } catch (err) {
    console.error(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (args.to !== 's3' && args.to !== 'local') {
    console.error(USAGE);
    return 2;
  }
  loadDotEnv();
  ensureDevelopmentSecret();
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`Error: ${err.message}`);
      return 1;
    }
    throw err;
  }
  const toKind = args.to;
  const fromKind = toKind === 's3' ? 'local' : 's3';
  const from = storageFor(config, fromKind);
  const to = storageFor(config, toKind);
  const where = (kind: string) => (kind === 'local' ? `local disk (${config.uploadDir})` : `S3 bucket ${config.s3!.bucket}`);
  const progressFile = args.progress ?? join(config.dataDir, `media-migrate-to-${toKind}.progress`);
  console.error(`Copying media from ${where(fromKind)} to ${where(toKind)}; progress kept in ${progressFile}`);

  const result = await migrateMedia({ from, to, progressFile, report: (line) => console.error(line) });
  console.error(
    `${result.total} object(s): ${result.copied} copied and verified (${result.bytes} bytes), ${result.skipped} verified earlier, ` +
      `${result.vanished} deleted meanwhile, ${result.failures.length} failed.`,
  );
  if (result.failures.length > 0) {
    console.error(`Not every object is in ${where(toKind)} yet: nothing was switched. Run the same command again to retry the failed ones.`);
    return 1;
  }
  console.error(
    `Every object is in ${where(toKind)} and verified. Now set STORAGE=${toKind} on every Quire process and restart them. ` +
      'Images uploaded between this run and the restart are copied by running this command once more, after it.',
  );
  return 0;
}

try {
  process.exitCode = await main();
} catch (err) {
  // A store that cannot be reached or listed: one line, and nothing was switched.
  console.error(`Error: ${err instanceof Error ? err.message : String(err)} (nothing was switched)`);
  process.exitCode = 1;
}
