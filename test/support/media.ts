// Media test helpers: images made with sharp on the fly (no binary fixtures), uploads through the real
// form route, and a look at what landed on disk.
import type { Types } from 'mongoose';
import { variantWidths } from '../../src/media/image-pipeline.js';
import { Media } from '../../src/media/media.model.js';
import { newStorageKey } from '../../src/media/media.service.js';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import type { Express } from 'express';
import sharp from 'sharp';
import request from 'supertest';
import type { TestSession } from './session.js';

export type TestFormat = 'jpeg' | 'png' | 'webp' | 'avif' | 'gif';

/** A real image of this format and size (a gradient-free flat colour compresses to almost nothing). */
export async function makeImage(format: TestFormat, width = 64, height = 48): Promise<Buffer> {
  const base = sharp({ create: { width, height, channels: 3, background: { r: 200, g: 60, b: 40 } } });
  return base.toFormat(format).toBuffer();
}

/** POST /media as this session: one file in `file`, the alt text, the CSRF token in the query. */
export function upload(
  app: Express,
  session: TestSession,
  data: Buffer,
  { filename = 'picture.jpg', contentType = 'image/jpeg', alt = 'A test picture' }: { filename?: string; contentType?: string; alt?: string | null } = {},
) {
  const req = request(app)
    .post(`/media?_csrf=${encodeURIComponent(session.csrf)}`)
    .set('Cookie', session.cookie);
  if (alt !== null) req.field('alt', alt);
  return req.attach('file', data, { filename, contentType });
}

/** Every file under `dir`, as paths relative to it (sorted). */
export function filesUnder(dir: string): string[] {
  const found: string[] = [];
  const walk = (d: string) => {
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      return;
    }
    for (const name of names) {
      const full = join(d, name);
      if (statSync(full).isDirectory()) walk(full);
      else found.push(relative(dir, full));
    }
  };
  walk(dir);
  return found.sort();
}

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/**
 * A decompression bomb's shape: a well-formed PNG header declaring a huge canvas, a few hundred bytes
 * in all. (Its pixel data is short; the limit must refuse it before anything is decoded.)
 */
export function hugePng(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.writeUInt8(8, 8); // bit depth
  ihdr.writeUInt8(0, 9); // greyscale
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', deflateSync(Buffer.alloc(width + 1))),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

export interface MakeMediaOptions {
  filename?: string;
  alt?: string;
  width?: number;
  height?: number;
}

/**
 * An image record written straight to its model, with storage keys that need not exist (LocalDiskStorage
 * removes missing files quietly), with a WebP rendition at each width the pipeline makes up to the
 * original's. Tests of the upload path itself go through `upload` above.
 */
export async function makeMedia(owner: { _id: Types.ObjectId | string }, options: MakeMediaOptions = {}) {
  const { filename = 'photo.jpg', alt = 'A photo', width = 800, height = 600 } = options;
  const storageKey = newStorageKey();
  return Media.create({
    owner: owner._id,
    storageKey,
    filename,
    alt,
    format: 'jpeg',
    width,
    height,
    bytes: 1234,
    originalKey: `media/${storageKey}/original.jpeg`,
    variants: variantWidths(width).map((w) => ({ width: w, height: Math.round((height * w) / width), key: `media/${storageKey}/${w}.webp`, bytes: 100 })),
  });
}
