// Throw-away folders for the test databases: in memory (Linux's /dev/shm, a tmpfs) where the machine has
// it. FerretDB's SQLite syncs every commit to disk, and a test database has nothing worth syncing: on a
// busy virtual disk those syncs were much of the time tests spent waiting for the database.
import { accessSync, constants, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A new folder named `prefix...` in memory if the machine has a writable /dev/shm, else in the temp folder. */
export function scratchDir(prefix: string): string {
  return mkdtempSync(join(memoryDir() ?? tmpdir(), prefix));
}

function memoryDir(): string | undefined {
  try {
    accessSync('/dev/shm', constants.W_OK);
    return statSync('/dev/shm').isDirectory() ? '/dev/shm' : undefined;
  } catch {
    return undefined;
  }
}
