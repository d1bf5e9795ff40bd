// Images of the media library inside a post body: when a body is rendered (at save time, and in the
// preview), an <img> whose src is one of a library image's files gets that image's width and height (so
// the page does not shift while it loads), a srcset of its renditions and `sizes` for the post column.
// Bodies are stored rendered, so readers pay nothing for it.
//
// The srcset URLs are built on the same base as the src the author inserted (`/uploads/` or the media
// store's public URL): they point wherever that one does, and pass the same src rule as it (markdown.ts).
// Only the renderer writes srcset and sizes: an author's own are dropped by the sanitizer like any other
// attribute it does not rebuild.

/** What the renderer needs to know of a library image. */
export interface LibraryImage {
  width: number;
  height: number;
  originalKey: string;
  variants: ReadonlyArray<{ width: number; key: string }>;
}

/** Library images by storage key (32 hex digits, lower case). */
export type LibraryImages = ReadonlyMap<string, LibraryImage>;

// `media/<storage key>/<file>` at the end of a URL: the file of a library image (keys: storage.ts).
const LIBRARY_FILE = /(media\/([a-f0-9]{32})\/[a-z0-9_.-]+)$/i;
// Anywhere in a body or its Markdown: the storage keys it names (links included).
const LIBRARY_URL = /\/media\/([a-f0-9]{32})\//gi;

/** Storage keys of the library images a body (Markdown or HTML) names. */
export function libraryKeysIn(text: string): string[] {
  return [...new Set([...text.matchAll(LIBRARY_URL)].map((m) => m[1]!.toLowerCase()))];
}

/**
 * `attribs` of a sanitized <img> with the size, srcset and sizes of the library image it shows, or as
 * they were when its src is not a library image's file. A width or height the author wrote is kept, and
 * then `sizes` follows the author's width.
 */
export function withLibraryImage(attribs: Record<string, string>, images: LibraryImages): Record<string, string> {
  const src = attribs.src;
  const file = src ? LIBRARY_FILE.exec(src.split(/[?#]/)[0]!) : null;
  const image = file ? images.get(file[2]!.toLowerCase()) : undefined;
  if (!src || !file || !image) return attribs;
  const key = file[1]!;
  if (key !== image.originalKey && !image.variants.some((v) => v.key === key)) return attribs;

  const base = src.slice(0, src.indexOf(key));
  const out = { ...attribs };
  if (out.width === undefined && out.height === undefined) {
    out.width = String(image.width);
    out.height = String(image.height);
  }
  const variants = [...image.variants].sort((a, b) => a.width - b.width);
  if (variants.length > 0) {
    out.srcset = variants.map((v) => `${base}${v.key} ${v.width}w`).join(', ');
    out.sizes = bodyImageSizes(Number(out.width) || image.width);
  }
  return out;
}

// The post column (views/posts/post.ejs: `.reading-width`, 42rem, inside Bootstrap's .container, whose
// padding is .75rem a side): 672 px from the md breakpoint (container 720), 516 px at sm (container 540),
// the viewport less the padding below that. The cover's `sizes` in post.ejs says the same.
const COLUMN: ReadonlyArray<{ minViewport: number; px: number }> = [
  { minViewport: 768, px: 672 },
  { minViewport: 576, px: 516 },
];
const PHONE_COLUMN = 'calc(100vw - 1.5rem)';
const COLUMN_PADDING = 24;

/**
 * `sizes` for a body image `width` CSS px wide: it is shown at its own width or the column's, whichever
 * is narrower (`.post-body img { max-width: 100% }`), so a small image is not fetched at column width.
 */
export function bodyImageSizes(width: number): string {
  const steps = COLUMN.map(({ minViewport, px }) => ({ minViewport, shown: Math.min(width, px) }));
  // On a phone the column is the viewport less its padding: narrower than the image up to width + padding.
  if (width + COLUMN_PADDING < COLUMN[COLUMN.length - 1]!.minViewport) steps.push({ minViewport: width + COLUMN_PADDING, shown: width });
  // Neighbouring breakpoints that show the image at the same width are one condition: the lower one.
  const merged: typeof steps = [];
  for (const step of steps) {
    const previous = merged[merged.length - 1];
    if (previous && previous.shown === step.shown) previous.minViewport = step.minViewport;
    else merged.push({ ...step });
  }
  return [...merged.map((s) => `(min-width: ${s.minViewport}px) ${s.shown}px`), PHONE_COLUMN].join(', ');
}
