// Renditions for images uploaded before their widths were made (`npm run media:renditions`): an upload gets
// the standard widths below its own plus its own (image-pipeline.ts variantWidths), but images stored
// before that rule have only the standard ones that fit (a 1200-px upload: 320 and 640). This makes what
// each record lacks from its stored original and adds it to the record.
//
// A command, not a start-up migration: it decodes every such image (sharp, one at a time), which takes
// minutes on a large library, and a server should not wait for that to start. Safe to run again, and while
// servers run: a record that has every width is skipped; files are stored before the record names them;
// an image deleted meanwhile has the files just made removed again.
import type { Types } from 'mongoose';
import { makeRendition, variantWidths } from './image-pipeline.js';
import { Media } from './media.model.js';
import { mediaPrefix } from './media.service.js';
import type { Storage } from './storage.js';

export interface RenditionsResult {
  checked: number;
  /** Images that got at least one new rendition. */
  updated: Types.ObjectId[];
  /** Renditions made. */
  made: number;
  failures: Array<{ id: string; reason: string }>;
}

/** Makes every missing rendition of every image; `report` gets a line of progress now and then. */
export async function addMissingRenditions(storage: Storage, report: (line: string) => void = () => undefined): Promise<RenditionsResult> {
  const result: RenditionsResult = { checked: 0, updated: [], made: 0, failures: [] };
  // Records are small: read at once, so no cursor is held open across minutes of image work.
  const all = await Media.find({}, 'storageKey width originalKey variants').sort({ _id: 1 }).lean();
  for (const media of all) {
    result.checked++;
    const missing = variantWidths(media.width).filter((w) => !media.variants.some((v) => v.width === w));
    if (missing.length === 0) continue;
    try {
      const made = await addRenditions(media, missing, storage);
      result.made += made;
      if (made > 0) result.updated.push(media._id);
    } catch (err) {
      result.failures.push({ id: String(media._id), reason: err instanceof Error ? err.message : String(err) });
    }
    if (result.checked % 100 === 0) report(`${result.checked} image(s) checked, ${result.updated.length} given new renditions`);
  }
  return result;
}

type Stored = { _id: Types.ObjectId; storageKey?: string | null; originalKey: string; variants: Array<{ width: number; height: number; key: string; bytes: number }> };

async function addRenditions(media: Stored, widths: number[], storage: Storage): Promise<number> {
  const original = await storage.get(media.originalKey);
  const added: Stored['variants'] = [];
  for (const width of widths) {
    const image = await makeRendition(original, width);
    const key = `${mediaPrefix(media)}/${image.width}.webp`;
    await storage.put(key, image.data, 'image/webp');
    added.push({ width: image.width, height: image.height, key, bytes: image.bytes });
  }
  // Only `variants` is set (the alt text may change meanwhile); nothing else writes it after an upload.
  // Smallest first, as uploads store them.
  const variants = [...media.variants, ...added].sort((a, b) => a.width - b.width);
  const updated = await Media.updateOne({ _id: media._id }, { $set: { variants } });
  if (updated.matchedCount === 0) {
    // Deleted while its renditions were made: what was just stored belongs to nothing.
    for (const v of added) await storage.delete(v.key);
    return 0;
  }
  return added.length;
}
