// A streaming tar.gz writer: entries are written one after the other into gzip, each from a Buffer or a
// file on disk, so an export never holds more than one media file in memory. node-tar encodes the headers
// (its Pack reads only from disk, and media come from the storage interface, which may be S3).
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { createGzip, type Gzip } from 'node:zlib';
import { Header } from 'tar';

const BLOCK = 512;

export class TarGzWriter {
  private readonly gzip: Gzip;
  private readonly done: Promise<void>;

  constructor(out: Writable, private readonly mtime = new Date()) {
    this.gzip = createGzip();
    this.gzip.pipe(out);
    this.done = new Promise((resolve, reject) => {
      out.on('finish', resolve);
      out.on('close', resolve);
      out.on('error', reject);
      this.gzip.on('error', reject);
    });
  }

  private async write(chunk: Buffer): Promise<void> {
    if (!this.gzip.write(chunk)) await once(this.gzip, 'drain');
  }

  private async header(path: string, size: number): Promise<void> {
    // Archive paths are made by Quire (collection names, storage keys): always short and plain.
    if (Buffer.byteLength(path) > 100) throw new Error(`Archive path too long: ${path}`);
    const header = new Header({ path, size, mode: 0o644, mtime: this.mtime, type: 'File', uid: 0, gid: 0 });
    const block = Buffer.alloc(BLOCK);
    header.encode(block, 0);
    await this.write(block);
  }

  private async pad(size: number): Promise<void> {
    const rest = size % BLOCK;
    if (rest) await this.write(Buffer.alloc(BLOCK - rest));
  }

  async addBuffer(path: string, data: Buffer): Promise<void> {
    await this.header(path, data.length);
    await this.write(data);
    await this.pad(data.length);
  }

  async addFile(path: string, file: string): Promise<void> {
    const { size } = await stat(file);
    await this.header(path, size);
    let written = 0;
    for await (const chunk of createReadStream(file)) {
      written += (chunk as Buffer).length;
      await this.write(chunk as Buffer);
    }
    if (written !== size) throw new Error(`${file} changed while it was archived`);
    await this.pad(size);
  }

  /** Two zero blocks end a tar file; then gzip is flushed and the output closed. */
  async finish(): Promise<void> {
    await this.write(Buffer.alloc(BLOCK * 2));
    this.gzip.end();
    await this.done;
  }
}
