// Throw-away folders for the test databases: in memory (Linux's /dev/shm, a tmpfs) where the machine has
// it. FerretDB's SQLite syncs every commit to disk, and a test database has nothing worth syncing: on a
// busy virtual disk those syncs were much of the time tests spent waiting for the database.
import { accessSync, constants, mkdtempSync, statSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Containers often give /dev/shm 64 MB: too small for the suite's databases, which would then fail to write.
const ENOUGH_MEMORY_BYTES = 1024 ** 3;

/** A new folder named `prefix...` in memory if the machine has a writable /dev/shm with 1 GiB free, else in the temp folder. */
export function scratchDir(prefix: string): string {
  return mkdtempSync(join(memoryDir() ?? tmpdir(), prefix));
}

function memoryDir(): string | undefined {
  try {
    accessSync('/dev/shm', constants.W_OK);
    if (!statSync('/dev/shm').isDirectory()) return undefined;
    const { bavail, bsize } = statfsSync('/dev/shm');
    return bavail * bsize >= ENOUGH_MEMORY_BYTES ? '/dev/shm' : undefined;
  } catch {
    return undefined;
  }
}
