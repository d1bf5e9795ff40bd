// Moving media between the stores (npm run media:migrate): every object copied and verified by size and
// SHA-256, against a real S3-compatible server; an interrupted run resumed without copying again what
// was verified; a copy that does not match never counted as verified; and the way back to local disk.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { migrateMedia } from '../../src/media/media-migration.js';
import { S3Storage } from '../../src/media/s3-storage.js';
import { LocalDiskStorage, type Storage } from '../../src/media/storage.js';
import { startS3Server, type TestS3Server } from '../engines/s3.js';
import { filesUnder } from '../support/media.js';

let server: TestS3Server;

beforeAll(async () => {
  server = await startS3Server();
});

afterAll(async () => {
  await server?.stop();
});

const temp = (name: string) => mkdtempSync(join(tmpdir(), `quire-media-migrate-${name}-`));

/** A local store holding `count` images' worth of objects (original and variants) and an avatar. */
async function filledDisk(count: number): Promise<{ disk: LocalDiskStorage; contents: Map<string, Buffer> }> {
  const disk = new LocalDiskStorage(temp('disk'), '/uploads');
  const contents = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    const folder = `media/${randomBytes(16).toString('hex')}`;
    for (const name of ['original.jpg', '640.webp', '1280.webp']) contents.set(`${folder}/${name}`, randomBytes(1000 + i * 37));
  }
  contents.set(`avatars/${randomBytes(8).toString('hex')}.webp`, randomBytes(500));
  for (const [key, data] of contents) await disk.put(key, data);
  return { disk, contents };
}

async function everything(storage: Storage): Promise<Map<string, Buffer>> {
  const found = new Map<string, Buffer>();
  for await (const { key } of storage.list()) found.set(key, await storage.get(key));
  return found;
}

describe('npm run media:migrate -- --to s3', () => {
  it('copies every object, byte for byte, and reports each step', async () => {
    const { disk, contents } = await filledDisk(5);
    const bucket = server.storage();
    const lines: string[] = [];
    const result = await migrateMedia({ from: disk, to: bucket, progressFile: join(temp('progress'), 'p'), report: (l) => lines.push(l) });
    expect(result).toMatchObject({ total: contents.size, copied: contents.size, skipped: 0, failures: [] });
    expect(await everything(bucket)).toEqual(contents);
    expect(lines[0]).toBe(`${contents.size} object(s) to check; 0 verified by an earlier run.`);
    expect(lines.at(-1)).toBe(`${contents.size}/${contents.size} checked: ${contents.size} copied, 0 already there, 0 failed`);
  });

  it('resumes an interrupted run: what was verified is not copied again, the rest is', async () => {
    const { disk, contents } = await filledDisk(4);
    const progressFile = join(temp('progress'), 'p');
    const template = server.storage();
    const bucketName = new URL(template.url('media/x')).pathname.split('/')[1]!;
    // The store stops accepting writes after five objects (a network cut, a full quota).
    class CutAfterFive extends S3Storage {
      puts = 0;
      override async put(key: string, data: Buffer | Readable, type: string): Promise<void> {
        if (++this.puts > 5) throw new Error('connection reset');
        await super.put(key, data, type);
      }
    }
    const options = { bucket: bucketName, region: 'us-east-1', endpoint: server.endpoint, credentials: { accessKeyId: 'test', secretAccessKey: 'test-secret' }, publicUrl: 'https://media.quire.test', forcePathStyle: true };
    const first = await migrateMedia({ from: disk, to: new CutAfterFive(options), progressFile, concurrency: 1 });
    expect(first.copied).toBe(5);
    expect(first.failures).toHaveLength(contents.size - 5);
    expect(first.failures[0]!.reason).toBe('connection reset');
    expect(readFileSync(progressFile, 'utf8').trim().split('\n')).toHaveLength(5);

    const bucket = new S3Storage(options);
    const put = vi.spyOn(bucket, 'put');
    const lines: string[] = [];
    const second = await migrateMedia({ from: disk, to: bucket, progressFile, report: (l) => lines.push(l) });
    expect(second).toMatchObject({ total: contents.size, copied: contents.size - 5, skipped: 5, failures: [] });
    expect(put).toHaveBeenCalledTimes(contents.size - 5);
    expect(lines[0]).toBe(`${contents.size} object(s) to check; 5 verified by an earlier run.`);
    expect(await everything(bucket)).toEqual(contents);

    // Idempotent: a third run copies nothing.
    const third = await migrateMedia({ from: disk, to: bucket, progressFile });
    expect(third).toMatchObject({ copied: 0, skipped: contents.size, failures: [] });
  });

  it('never counts a copy that differs from its source as verified', async () => {
    const { disk, contents } = await filledDisk(1);
    const bucket = server.storage();
    // A store that damages what it keeps (one flipped byte): sizes agree, hashes do not.
    const damaging = Object.assign(Object.create(bucket) as S3Storage, {
      put: async (key: string, data: Buffer | Readable, type: string) => {
        const chunks: Buffer[] = [];
        for await (const chunk of data as Readable) chunks.push(chunk as Buffer);
        const body = Buffer.concat(chunks);
        body[0] = body[0]! ^ 0xff;
        await bucket.put(key, body, type);
      },
    });
    const progressFile = join(temp('progress'), 'p');
    const result = await migrateMedia({ from: disk, to: damaging, progressFile });
    expect(result.copied).toBe(0);
    expect(result.failures).toHaveLength(contents.size);
    expect(result.failures[0]!.reason).toMatch(/^SHA-256 mismatch after copy/);
    expect(existsSync(progressFile)).toBe(false);
  });
});

describe('npm run media:migrate -- --to local', () => {
  it('brings every object back to disk, unchanged', async () => {
    const { disk, contents } = await filledDisk(3);
    const bucket = server.storage();
    await migrateMedia({ from: disk, to: bucket, progressFile: join(temp('progress'), 'p') });
    const back = new LocalDiskStorage(temp('back'), '/uploads');
    const result = await migrateMedia({ from: bucket, to: back, progressFile: join(temp('progress'), 'p') });
    expect(result).toMatchObject({ copied: contents.size, failures: [] });
    expect(filesUnder(back.directory)).toEqual([...contents.keys()].sort());
    expect(await everything(back)).toEqual(contents);
  });
});
