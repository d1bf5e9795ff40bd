// Media on an S3-compatible store (AWS S3, R2, MinIO, Ceph, ...), chosen by STORAGE=s3, so that every
// Quire process on every machine sees the same files. Same keys as the local store; objects are served
// to browsers from S3_PUBLIC_URL (the bucket's public address or a CDN in front of it), never through
// Quire, and are stored as immutable: a key names one content forever (a new upload is a new random key).
//
// What it defends against:
// - Transient failures (throttling, a dropped connection, a 5xx): the SDK's standard retry strategy,
//   exponential backoff with jitter, up to `maxAttempts` tries per request.
// - Half-written objects: S3 makes an object visible only once its PutObject or multipart upload
//   completes; a failed multipart upload is aborted (no parts left billed in the bucket).
// - Stores that do not speak every recent AWS extension: checksums are sent only where an operation
//   requires them (several S3-compatible stores refuse the newer trailing checksums).
import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import type * as ClientS3 from '@aws-sdk/client-s3';
import type { S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import type * as LibStorage from '@aws-sdk/lib-storage';
import { assertSafeKey, type Storage, type StoredObject } from './storage.js';

// The AWS SDK is loaded by the first S3Storage, not when this module is imported: it adds about 30 MB
// to the resident size of every process, and a process on local storage (the default) never uses it.
const require = createRequire(import.meta.url);
let sdk: (typeof ClientS3 & Pick<typeof LibStorage, 'Upload'>) | undefined;
function awsSdk(): typeof ClientS3 & Pick<typeof LibStorage, 'Upload'> {
  sdk ??= { ...(require('@aws-sdk/client-s3') as typeof ClientS3), Upload: (require('@aws-sdk/lib-storage') as typeof LibStorage).Upload };
  return sdk;
}

/** What every object says to browsers and CDNs: its key never names other bytes. */
export const OBJECT_CACHE_CONTROL = 'public, max-age=31536000, immutable';

export interface S3StorageOptions {
  bucket: string;
  region: string;
  endpoint?: string | undefined;
  credentials?: { accessKeyId: string; secretAccessKey: string } | undefined;
  /** Where browsers fetch objects from, without a trailing slash. */
  publicUrl: string;
  forcePathStyle?: boolean;
  /** Tries per request, the first included (SDK standard retry strategy). Default 4. */
  maxAttempts?: number;
  /** Objects larger than this go up in parts of this size (at least 5 MiB, S3's minimum). */
  partSize?: number;
}

const MIN_PART_SIZE = 5 * 1024 * 1024;
/** DeleteObjects takes at most this many keys per request. */
const DELETE_BATCH = 1000;

export class S3Storage implements Storage {
  readonly client: S3Client;
  private readonly sdk = awsSdk();
  private readonly bucket: string;
  private readonly publicUrl: string;
  private readonly partSize: number;

  constructor(options: S3StorageOptions) {
    const config: S3ClientConfig = {
      region: options.region,
      forcePathStyle: options.forcePathStyle ?? false,
      maxAttempts: options.maxAttempts ?? 4,
      retryMode: 'standard',
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    };
    if (options.endpoint) config.endpoint = options.endpoint;
    if (options.credentials) config.credentials = options.credentials;
    this.client = new this.sdk.S3Client(config);
    this.bucket = options.bucket;
    this.publicUrl = options.publicUrl.replace(/\/+$/, '');
    this.partSize = Math.max(MIN_PART_SIZE, options.partSize ?? 8 * 1024 * 1024);
  }

  async put(key: string, data: Buffer | Readable, contentType: string): Promise<void> {
    assertSafeKey(key);
    const params = { Bucket: this.bucket, Key: key, ContentType: contentType, CacheControl: OBJECT_CACHE_CONTROL };
    if (Buffer.isBuffer(data) && data.length <= this.partSize) {
      await this.client.send(new this.sdk.PutObjectCommand({ ...params, Body: data }));
      return;
    }
    // A large body, or a stream of unknown length: lib-storage sends it as a multipart upload, a few
    // parts at a time, and aborts it on failure.
    const upload = new this.sdk.Upload({
      client: this.client,
      params: { ...params, Body: data },
      partSize: this.partSize,
      queueSize: 2,
      leavePartsOnError: false,
    });
    await upload.done();
  }

  async get(key: string): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const chunk of await this.stream(key)) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array));
    return Buffer.concat(chunks);
  }

  async stream(key: string): Promise<Readable> {
    assertSafeKey(key);
    const out = await this.client.send(new this.sdk.GetObjectCommand({ Bucket: this.bucket, Key: key }));
    if (!(out.Body instanceof Readable)) throw new Error(`S3 answered GET ${key} without a body stream`);
    return out.Body;
  }

  async head(key: string): Promise<{ size: number } | null> {
    assertSafeKey(key);
    try {
      const out = await this.client.send(new this.sdk.HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return { size: out.ContentLength ?? 0 };
    } catch (err) {
      if (err instanceof this.sdk.NotFound || err instanceof this.sdk.NoSuchKey || (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return null;
      throw err;
    }
  }

  async *list(prefix = ''): AsyncIterable<StoredObject> {
    // ListObjectsV2 answers at most 1,000 keys a page; the continuation token asks for the next.
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new this.sdk.ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix || undefined, ContinuationToken: token }),
      );
      for (const object of page.Contents ?? []) if (object.Key) yield { key: object.Key, size: object.Size ?? 0 };
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async delete(key: string): Promise<void> {
    assertSafeKey(key);
    await this.client.send(new this.sdk.DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }

  async deletePrefix(prefix: string): Promise<void> {
    // A folder: `media/ab` must not take `media/abc/...` with it.
    const folder = `${prefix.replace(/\/+$/, '')}/`;
    assertSafeKey(folder.slice(0, -1));
    let batch: string[] = [];
    const flush = async () => {
      if (batch.length === 0) return;
      const out = await this.client.send(
        new this.sdk.DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } }),
      );
      // DeleteObjects answers 200 even when some keys failed: each failure is listed.
      const failed = out.Errors ?? [];
      if (failed.length > 0) throw new Error(`S3 could not delete ${failed.length} object(s) under ${folder}: ${failed[0]!.Key} (${failed[0]!.Code})`);
      batch = [];
    };
    // Collected first, then deleted: deleting while listing would move the listing's pages under it.
    const keys: string[] = [];
    for await (const object of this.list(folder)) keys.push(object.key);
    for (const key of keys) {
      batch.push(key);
      if (batch.length === DELETE_BATCH) await flush();
    }
    await flush();
  }

  url(key: string): string {
    assertSafeKey(key);
    return `${this.publicUrl}/${key}`;
  }
}
