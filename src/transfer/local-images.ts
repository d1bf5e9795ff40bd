// Image files for an import come only from a folder the operator names (--media-dir): a URL in the file
// is mapped to a path under that folder and never fetched. The mapping cannot leave the folder (no `..`,
// no absolute paths, symlinks resolved), and a file is stat'ed before it is read so an oversized one is
// refused without being loaded.
import { realpath, readFile, stat } from 'node:fs/promises';
import { basename, resolve, sep } from 'node:path';
import type { ImageSource } from './imported-content.js';

/** Where an image URL's file would be under the folder: the part after `marker` in its path, else the path. */
function candidates(ref: string, markers: string[]): string[] {
  let path: string;
  try {
    path = decodeURIComponent(new URL(ref, 'http://import.invalid/').pathname);
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const marker of markers) {
    const at = path.indexOf(marker);
    if (at >= 0) out.push(path.slice(at + marker.length));
  }
  out.push(path.replace(/^\/+/, ''));
  // WordPress bodies show resized copies (photo-300x200.jpg) of the attachment (photo.jpg).
  for (const c of [...out]) {
    const original = c.replace(/-\d+x\d+(\.[a-z0-9]+)$/i, '$1');
    if (original !== c) out.push(original);
  }
  out.push(basename(path));
  return out.filter((c) => c && !c.split('/').includes('..'));
}

export function localImages(dir: string | undefined, maxBytes: number, markers: string[]): ImageSource {
  return {
    async load(ref) {
      if (!dir) return null;
      const root = await realpath(resolve(dir));
      for (const relative of candidates(ref, markers)) {
        const full = resolve(root, relative);
        if (!full.startsWith(root + sep)) continue;
        let real: string;
        try {
          real = await realpath(full);
        } catch {
          continue;
        }
        if (!real.startsWith(root + sep)) continue;
        const info = await stat(real);
        if (!info.isFile()) continue;
        if (info.size > maxBytes) throw new Error('larger than MAX_UPLOAD_MB');
        return { data: await readFile(real), name: basename(real), path: real };
      }
      return null;
    },
  };
}

