// Where media bytes live, behind a small interface: local disk (here) or an S3-compatible store
// (s3-storage.ts), chosen by STORAGE. Keys are the same in both (`media/<storageKey>/640.webp`).
// Keys are made by Quire from random names, never from user input; they are still checked,
// so a bug elsewhere cannot turn into a path outside the storage root.
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** One stored object, as listings give it. */
export interface StoredObject {
  key: string;
  size: number;
}

export interface Storage {
  /** Stores an object whole (a reader never sees part of it); a stream is read to its end. */
  put(key: string, data: Buffer | Readable, contentType: string): Promise<void>;
  get(key: string): Promise<Buffer>;
  /** The object's bytes as a stream, for copies and large files (nothing held in memory). */
  stream(key: string): Promise<Readable>;
  /** The object's size, or null when there is none under this key. */
  head(key: string): Promise<{ size: number } | null>;
  /** Every object whose key starts with `prefix` ('' for all), in no promised order. */
  list(prefix?: string): AsyncIterable<StoredObject>;
  delete(key: string): Promise<void>;
  /** Removes every object under the folder `prefix` (all variants of one image). */
  deletePrefix(prefix: string): Promise<void>;
  url(key: string): string;
}

/** The Content-Type an object gets from its key's extension (for copies between stores). */
export function contentTypeOf(key: string): string {
  const ext = key.slice(key.lastIndexOf('.') + 1).toLowerCase();
  return CONTENT_TYPES[ext] ?? 'application/octet-stream';
}

const CONTENT_TYPES: Record<string, string> = {
  webp: 'image/webp',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  avif: 'image/avif',
};

const KEY_PATTERN = /^[a-z0-9][a-z0-9_-]*(\/[a-z0-9][a-z0-9_.-]*)*$/i;

export function assertSafeKey(key: string): void {
  if (!KEY_PATTERN.test(key) || key.includes('..')) throw new Error(`Unsafe storage key: ${JSON.stringify(key)}`);
}

export class LocalDiskStorage implements Storage {
  private readonly root: string;
  constructor(
    root: string,
    private readonly publicPrefix: string,
  ) {
    this.root = resolve(root);
  }

  private pathOf(key: string): string {
    assertSafeKey(key);
    const full = resolve(this.root, key);
    if (!full.startsWith(this.root + sep)) throw new Error(`Storage key escapes the root: ${key}`);
    return full;
  }

  async put(key: string, data: Buffer | Readable): Promise<void> {
    const full = this.pathOf(key);
    await mkdir(dirname(full), { recursive: true });
    // Write then rename, so a reader never sees half a file.
    const temp = `${full}.${process.pid}.${Date.now()}.tmp`;
    try {
      if (Buffer.isBuffer(data)) await writeFile(temp, data, { mode: 0o644 });
      else await pipeline(data, createWriteStream(temp, { mode: 0o644 }));
      await rename(temp, full);
    } catch (err) {
      await rm(temp, { force: true });
      throw err;
    }
  }

  get(key: string): Promise<Buffer> {
    return readFile(this.pathOf(key));
  }

  async stream(key: string): Promise<Readable> {
    const full = this.pathOf(key);
    // Opened before it is handed out, so a missing file fails here rather than in the consumer.
    await stat(full);
    return createReadStream(full);
  }

  async head(key: string): Promise<{ size: number } | null> {
    try {
      const info = await stat(this.pathOf(key));
      return info.isFile() ? { size: info.size } : null;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  async *list(prefix = ''): AsyncIterable<StoredObject> {
    const walk = async function* (dir: string, root: string): AsyncGenerator<StoredObject> {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw err;
      }
      for (const entry of entries) {
        const full = join(dir, entry.name);
        if (entry.isDirectory()) yield* walk(full, root);
        // Half-written files of a put in progress are not objects yet.
        else if (entry.isFile() && !entry.name.endsWith('.tmp')) {
          const key = relative(root, full).split(sep).join('/');
          if (key.startsWith(prefix)) yield { key, size: (await stat(full)).size };
        }
      }
    };
    yield* walk(this.root, this.root);
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }

  async deletePrefix(prefix: string): Promise<void> {
    const trimmed = prefix.replace(/\/+$/, '');
    await rm(this.pathOf(trimmed), { recursive: true, force: true });
  }

  url(key: string): string {
    assertSafeKey(key);
    return `${this.publicPrefix}/${key}`;
  }

  /** The folder on disk (for the static handler and tests). */
  get directory(): string {
    return join(this.root);
  }
}
