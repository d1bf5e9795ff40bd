// Where media bytes live, behind a small interface so that an S3-compatible store is one more class.
// Keys are made by Quire from random names (`media/<storageKey>/640.webp`), never from user input; they are still checked,
// so a bug elsewhere cannot turn into a path outside the storage root.
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';

export interface Storage {
  put(key: string, data: Buffer, contentType: string): Promise<void>;
  get(key: string): Promise<Buffer>;
  delete(key: string): Promise<void>;
  /** Removes every object whose key starts with `prefix` (all variants of one image). */
  deletePrefix(prefix: string): Promise<void>;
  url(key: string): string;
}

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

  async put(key: string, data: Buffer): Promise<void> {
    const full = this.pathOf(key);
    await mkdir(dirname(full), { recursive: true });
    // Write then rename, so a reader never sees half a file.
    const temp = `${full}.${process.pid}.${Date.now()}.tmp`;
    await writeFile(temp, data, { mode: 0o644 });
    await rename(temp, full);
  }

  get(key: string): Promise<Buffer> {
    return readFile(this.pathOf(key));
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
