// npm run export -- --out FILE [--with-revisions] [--with-password-hashes]
// Writes the whole site (posts in every status, pages, tags, users, comments, settings, media records and
// files) as one Quire archive (README: "Moving in and out"). Progress goes to stderr.
import { createWriteStream } from 'node:fs';
import { parseArgs } from 'node:util';
import { configuredStorage } from '../media/storage-choice.js';
import { exportSite } from '../transfer/export.service.js';
import { runCli } from './run.js';

await runCli(async ({ config }) => {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      out: { type: 'string' },
      'with-revisions': { type: 'boolean', default: false },
      'with-password-hashes': { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (!values.out) throw new Error('Say where to write the archive: npm run export -- --out site.tar.gz');
  // 'wx': an existing file (an earlier backup) is never overwritten.
  const out = createWriteStream(values.out, { flags: 'wx' });
  const manifest = await exportSite(out, {
    storage: configuredStorage(config),
    withRevisions: values['with-revisions'],
    withPasswordHashes: values['with-password-hashes'],
    progress: (line) => process.stderr.write(`${line}\n`),
  });
  const counts = Object.entries(manifest.counts).map(([k, v]) => `${v} ${k}`).join(', ');
  console.log(`Wrote ${values.out}: ${counts}, ${manifest.media} media files${manifest.withPasswordHashes ? ' (WITH password hashes: keep it safe)' : ''}.`);
});
