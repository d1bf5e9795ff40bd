// npm run import -- FILE [--dry-run] [--merge] [--media-dir DIR]
// Reads a Quire archive, a WordPress export (WXR) or a Ghost JSON export, chosen from the file's content,
// and prints what it created, updated, skipped and could not import (each failed item with its reason).
// --dry-run reads everything and writes nothing. Progress goes to stderr.
import { stat } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { configuredStorage } from '../media/storage-choice.js';
import { runImport } from '../transfer/import.service.js';
import { runCli } from './run.js';

await runCli(async ({ config }) => {
  const { values, positionals } = parseArgs({
    args: process.argv.slice(2),
    options: {
      'dry-run': { type: 'boolean', default: false },
      merge: { type: 'boolean', default: false },
      'media-dir': { type: 'string' },
    },
    allowPositionals: true,
    strict: true,
  });
  const file = positionals[0];
  if (!file || positionals.length > 1) throw new Error('Name one file: npm run import -- FILE [--dry-run] [--merge] [--media-dir DIR]');
  await stat(file);
  const report = await runImport(file, {
    storage: configuredStorage(config),
    merge: values.merge,
    dryRun: values['dry-run'],
    mediaDir: values['media-dir'],
    maxBytes: config.importMaxBytes,
    maxImageBytes: config.maxUploadBytes,
    progress: (line) => process.stderr.write(`${line}\n`),
  });
  for (const line of report.lines()) console.log(line);
  if (report.failed) process.exitCode = 2;
});
