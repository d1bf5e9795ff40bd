// Which media storage a process uses: STORAGE=local (UPLOAD_DIR, served by Quire under /uploads) or
// STORAGE=s3 (a bucket, served from S3_PUBLIC_URL). The server, the migrations and the CLI ask here.
import type { Config } from '../config.js';
import { S3Storage } from './s3-storage.js';
import { LocalDiskStorage, type Storage } from './storage.js';

type StorageSettings = Pick<Config, 'uploadDir' | 'storage' | 's3'>;

/** The storage of this kind, whatever STORAGE says (media:migrate copies between the two). */
export function storageFor(config: StorageSettings, kind: 'local' | 's3'): Storage {
  if (kind === 'local') return new LocalDiskStorage(config.uploadDir, '/uploads');
  const s3 = config.s3;
  if (!s3) throw new Error('S3_BUCKET is not set: the S3 storage needs S3_BUCKET (and S3_REGION, S3_ENDPOINT, credentials, S3_PUBLIC_URL as the store requires)');
  return new S3Storage({
    bucket: s3.bucket,
    region: s3.region,
    endpoint: s3.endpoint,
    credentials: s3.credentials,
    publicUrl: s3.publicUrl,
    forcePathStyle: s3.forcePathStyle,
  });
}

/** The storage STORAGE chose. */
export function configuredStorage(config: StorageSettings): Storage {
  return storageFor(config, config.storage);
}
