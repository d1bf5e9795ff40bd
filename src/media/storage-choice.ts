// Which media storage a process uses: STORAGE=local (UPLOAD_DIR, served by Quire under /uploads) or
// STORAGE=s3 (a bucket, served from S3_PUBLIC_URL). The server, the migrations and the CLI ask here.
import type { Config, StorageConfig } from '../config.js';
import { S3Storage } from './s3-storage.js';
import { LocalDiskStorage, type Storage } from './storage.js';

export function storageFor(config: Pick<Config, 'uploadDir'>, choice: StorageConfig): Storage {
  if (choice.kind === 'local') return new LocalDiskStorage(config.uploadDir, '/uploads');
  return new S3Storage({
    bucket: choice.bucket,
    region: choice.region,
    endpoint: choice.endpoint,
    credentials: choice.credentials,
    publicUrl: choice.publicUrl,
    forcePathStyle: choice.forcePathStyle,
  });
}

/** The storage STORAGE chose. */
export function configuredStorage(config: Pick<Config, 'uploadDir' | 'storage'>): Storage {
  return storageFor(config, config.storage);
}
