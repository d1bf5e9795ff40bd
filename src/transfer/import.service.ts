// One entry for every import: checks the file's size, picks the importer from its content (detect.ts) and
// runs it. The importers share ImportOptions and return an ImportReport.
import { stat } from 'node:fs/promises';
import { importArchive, ImportRefused, type ImportOptions } from './archive-import.js';
import { detectSource } from './detect.js';
import type { ImportReport } from './import-report.js';
import { importWordPress } from './wxr.js';
import { importGhost } from './ghost.js';

export interface RunImportOptions extends ImportOptions {
  /** Where the files of a WordPress export's attachments are (never fetched from the network). */
  mediaDir?: string | undefined;
}

export async function runImport(file: string, options: RunImportOptions): Promise<ImportReport> {
  const { size } = await stat(file);
  if (size > options.maxBytes) throw new ImportRefused(`${file} is larger than ${Math.round(options.maxBytes / 1048576)} MB (IMPORT_MAX_MB).`);
  const kind = await detectSource(file);
  switch (kind) {
    case 'quire-archive':
      return importArchive(file, options);
    case 'wordpress':
      return importWordPress(file, { ...writerOptions(options), mediaDir: options.mediaDir });
    case 'ghost':
      return importGhost(file, { ...writerOptions(options), mediaDir: options.mediaDir });
    default:
      throw new ImportRefused(`${file} is not a Quire archive, a WordPress export (WXR) or a Ghost JSON export.`);
  }
}

function writerOptions(options: RunImportOptions) {
  return { storage: options.storage, dryRun: options.dryRun ?? false, merge: options.merge ?? false, maxImageBytes: options.maxImageBytes, progress: options.progress };
}
