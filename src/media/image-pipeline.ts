// The image pipeline: every upload is treated as hostile. probeImage decides what a buffer really is from
// its content (magic bytes, then sharp's own reading, then a full decode), never from the client's name or
// MIME type; processImage re-encodes it (orientation applied, metadata such as EXIF GPS dropped) and makes
// the WebP widths pages use in srcset (makeRendition adds one later, for uploads made before a width was).
//
// Limits: the pixel count is checked from the header BEFORE anything is decoded, so a small file that
// declares a huge canvas (a decompression bomb) costs nothing. Decoding is CPU-heavy and the machines are
// small: one image is processed at a time (libvips still uses its own thread pool inside that one job),
// a short queue waits, and beyond it callers are told to retry (503).
import { createRequire } from 'node:module';
import type SharpFactory from 'sharp';
import type { Metadata, Sharp, SharpOptions } from 'sharp';
import { PayloadTooLarge, UnsupportedMediaType } from '../http/errors.js';
import { WorkLimit } from '../http/work-limit.js';

// sharp (libvips: about 20 MB resident) is loaded on the first image, not when this module is imported:
// most processes serve pages for hours without handling one.
const require = createRequire(import.meta.url);
let loadedSharp: typeof SharpFactory | undefined;
const sharp = ((...args: Parameters<typeof SharpFactory>) => (loadedSharp ??= require('sharp') as typeof SharpFactory)(...args)) as typeof SharpFactory;

export type ImageFormat = 'jpeg' | 'png' | 'webp' | 'avif' | 'gif';

export interface ImageProbe {
  format: ImageFormat;
  width: number;
  /** Height of one frame (animated GIF/WebP: of one page). */
  height: number;
  /** Frames: 1 unless animated. */
  pages: number;
}

export interface ProbeOptions {
  /** Most decoded pixels (width x height x frames) accepted; default MAX_INPUT_PIXELS. */
  maxPixels?: number;
  /** Decode every pixel to prove the file whole (default true; processImage's re-encode is that decode). */
  decode?: boolean;
}

/** 50 megapixels: above any phone or common camera's default output, far below a bomb's canvas. */
export const MAX_INPUT_PIXELS = 50_000_000;
export const VARIANT_WIDTHS = [320, 640, 1280, 1920] as const;

export const CONTENT_TYPES: Record<ImageFormat, string> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  avif: 'image/avif',
  gif: 'image/gif',
};
export const EXTENSIONS: Record<ImageFormat, string> = { jpeg: 'jpg', png: 'png', webp: 'webp', avif: 'avif', gif: 'gif' };

const NOT_AN_IMAGE = 'That file is not an accepted image. Upload a JPEG, PNG, WebP, AVIF or GIF picture.';

// The formats' signatures. Checked before sharp sees the bytes, so SVG, PDF, TIFF and the rest of
// libvips' loaders (XML and PostScript parsers among them) never run on hostile input at all.
function sniff(buffer: Buffer): ImageFormat | undefined {
  const ascii = (start: number, end: number) => buffer.toString('latin1', start, end);
  if (buffer.length >= 3 && buffer[0] === 0xff && buffer[1] === 0xd8 && buffer[2] === 0xff) return 'jpeg';
  if (buffer.length >= 8 && buffer.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'png';
  if (ascii(0, 6) === 'GIF87a' || ascii(0, 6) === 'GIF89a') return 'gif';
  if (ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return 'webp';
  // ISO-BMFF: `ftyp` box whose major or compatible brands include avif/avis (HEIC and friends are refused).
  if (buffer.length >= 16 && ascii(4, 8) === 'ftyp') {
    const boxSize = Math.min(buffer.readUInt32BE(0), buffer.length, 256);
    for (let at = 8; at + 4 <= boxSize; at += 4) {
      const brand = ascii(at, at + 4);
      if (brand === 'avif' || brand === 'avis') return 'avif';
    }
  }
  return undefined;
}

function loaderOptions(maxPixels: number, animated: boolean): SharpOptions {
  // failOn 'warning': a truncated or corrupt stream (a JPEG header followed by junk) is an error, not a grey picture.
  return { failOn: 'warning', limitInputPixels: maxPixels, animated, sequentialRead: true };
}

/**
 * What the buffer really is. Throws UnsupportedMediaType (415) for anything that is not a whole, decodable
 * JPEG, PNG, WebP, AVIF or GIF, and PayloadTooLarge (413) for an image with more than `maxPixels` pixels.
 */
export async function probeImage(buffer: Buffer, options: ProbeOptions = {}): Promise<ImageProbe> {
  const maxPixels = options.maxPixels ?? MAX_INPUT_PIXELS;
  const sniffed = sniff(buffer);
  if (!sniffed) throw new UnsupportedMediaType(NOT_AN_IMAGE);

  let meta: Metadata;
  try {
    // Header only: no pixels are decoded here. No pixel limit yet either, so the size can be reported.
    meta = await sharp(buffer, { failOn: 'warning', limitInputPixels: false, animated: true }).metadata();
  } catch {
    throw new UnsupportedMediaType(NOT_AN_IMAGE);
  }
  const format = formatOf(meta);
  if (format !== sniffed) throw new UnsupportedMediaType(NOT_AN_IMAGE);

  const pages = Math.max(1, meta.pages ?? 1);
  const width = meta.width ?? 0;
  const height = meta.pageHeight ?? (meta.height ?? 0) / pages;
  if (!(width > 0 && height > 0)) throw new UnsupportedMediaType(NOT_AN_IMAGE);
  if (width * height * pages > maxPixels) {
    throw new PayloadTooLarge(
      `That image is too large: ${width} x ${height} px${pages > 1 ? ` x ${pages} frames` : ''}. ` +
        `The limit is ${Math.floor(maxPixels / 1_000_000)} megapixels.`,
    );
  }

  // A full decode: the header may be real and the rest junk.
  if (options.decode !== false) await decodeOrRefuse(sharp(buffer, loaderOptions(maxPixels, pages > 1)).stats());
  return { format, width, height, pages };
}

function formatOf(meta: Metadata): ImageFormat | undefined {
  switch (meta.format) {
    case 'jpeg':
    case 'png':
    case 'webp':
    case 'gif':
      return meta.format;
    // sharp calls AVIF "heif"; a HEIF container holding HEVC (HEIC) is not accepted.
    case 'heif':
      return meta.compression === 'av1' ? 'avif' : undefined;
    default:
      return undefined;
  }
}

async function decodeOrRefuse<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (err) {
    // sharp's own limit message, should a frame count lie in the header.
    if (err instanceof Error && /pixel limit/i.test(err.message)) throw new PayloadTooLarge('That image has too many pixels.');
    throw new UnsupportedMediaType(NOT_AN_IMAGE);
  }
}

export interface EncodedImage {
  data: Buffer;
  width: number;
  height: number;
  bytes: number;
}

export interface ProcessedImage {
  format: ImageFormat;
  contentType: string;
  extension: string;
  /** The re-encoded original, in its own format, upright, without metadata. */
  original: EncodedImage;
  /** WebP renditions, smallest first, never wider than the original. */
  variants: EncodedImage[];
}

/**
 * The widths to make for an image `width` px wide: the standard ones below it, plus its own width capped
 * at the largest standard one. Without its own width a 1200-px upload would be shown at 640 at most (the
 * next standard width, 1280, would be an upscale); with it no picture is shown smaller than it was
 * uploaded, and nothing is ever enlarged.
 */
export function variantWidths(width: number): number[] {
  const largest = VARIANT_WIDTHS[VARIANT_WIDTHS.length - 1]!;
  const own = Math.min(Math.round(width), largest);
  return [...VARIANT_WIDTHS.filter((w) => w < own), own];
}

async function encode(pipeline: Sharp): Promise<EncodedImage> {
  const { data, info } = await decodeOrRefuse(pipeline.toBuffer({ resolveWithObject: true }));
  // For animated output sharp reports the height of the whole strip; pages want one frame's.
  const height = info.pageHeight ?? info.height;
  return { data, width: info.width, height, bytes: data.length };
}

/** Probes, then re-encodes the original and makes the WebP variants, one step after another. */
export async function processImage(buffer: Buffer, options: ProbeOptions = {}): Promise<ProcessedImage> {
  return imageWork.run(async () => {
    // The re-encode below decodes every pixel with failOn, so a separate decode check would be paid twice.
    const probe = await probeImage(buffer, { ...options, decode: false });
    const maxPixels = options.maxPixels ?? MAX_INPUT_PIXELS;
    const animated = probe.pages > 1;
    // autoOrient applies the EXIF orientation; sharp writes no input metadata (EXIF, GPS, XMP, comments) unless asked.
    const source = () => sharp(buffer, loaderOptions(maxPixels, animated)).autoOrient();

    const original = await encode(reencode(source(), probe.format));
    const variants: EncodedImage[] = [];
    for (const width of variantWidths(original.width)) variants.push(await encode(rendition(source(), width)));
    return {
      format: probe.format,
      contentType: CONTENT_TYPES[probe.format],
      extension: EXTENSIONS[probe.format],
      original,
      variants,
    };
  });
}

function rendition(pipeline: Sharp, width: number): Sharp {
  return pipeline.resize({ width, withoutEnlargement: true }).webp({ quality: 80, effort: 4 });
}

/**
 * One WebP rendition `width` px wide, made from an image's stored original (already re-encoded, upright
 * and without metadata): for renditions added to uploads made before that width was one. The original
 * is still checked like an upload (the store may hold anything), in the same one-at-a-time queue.
 */
export async function makeRendition(original: Buffer, width: number): Promise<EncodedImage> {
  return imageWork.run(async () => {
    const probe = await probeImage(original, { decode: false });
    return encode(rendition(sharp(original, loaderOptions(MAX_INPUT_PIXELS, probe.pages > 1)), width));
  });
}

function reencode(pipeline: Sharp, format: ImageFormat): Sharp {
  switch (format) {
    case 'jpeg':
      return pipeline.jpeg({ quality: 85, mozjpeg: true });
    case 'png':
      return pipeline.png({ compressionLevel: 8 });
    case 'webp':
      return pipeline.webp({ quality: 85, effort: 4 });
    case 'avif':
      return pipeline.avif({ quality: 60, effort: 3 });
    case 'gif':
      return pipeline.gif();
  }
}

// One image job at a time per process; a short queue waits its turn.
const imageWork = new WorkLimit(1, 8, 'Too many images are being processed. Please try again shortly.');

/**
 * An avatar: judged by content like any upload, turned upright, fitted inside size x size without
 * enlarging, WebP without metadata; in the same one-at-a-time queue as library uploads.
 */
export async function processAvatar(buffer: Buffer, size: number): Promise<Buffer> {
  return imageWork.run(async () => {
    // The resize below decodes every pixel with failOn, so the probe need not decode as well.
    await probeImage(buffer, { decode: false });
    return decodeOrRefuse(
      sharp(buffer, loaderOptions(MAX_INPUT_PIXELS, false))
        .autoOrient()
        .resize(size, size, { fit: 'inside', withoutEnlargement: true })
        .webp({ quality: 82 })
        .toBuffer(),
    );
  });
}
