// The S3-compatible server the storage tests run against: gofakes3 (in memory) wrapped by ./s3/main.go,
// never a mocked client. Built once with Go from the module proxy into
// ~/.cache/quire/s3-gofakes3-<hash of ./s3/>/, the way FerretDB is built once (src/db/embedded.ts), and
// started by each test file that needs it on a free port of 127.0.0.1 (a test may stop its own server to
// see what a failure does, without disturbing other files).
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { acquireLock, cacheDir, run } from '../../src/db/embedded.js';
import { listeningChild } from './listening-child.js';
import { S3Storage } from '../../src/media/s3-storage.js';

const SOURCE_DIR = fileURLToPath(new URL('./s3/', import.meta.url));
const START_TIMEOUT_MS = 30_000;

export interface TestS3Server {
  endpoint: string;
  /** A storage on this server: one bucket per call unless named (created on first use). */
  storage(options?: { bucket?: string; maxAttempts?: number; partSize?: number }): S3Storage;
  stop(): Promise<void>;
}

let buckets = 0;

export async function startS3Server(): Promise<TestS3Server> {
  const bin = await locateServer();
  const child = spawn(bin, ['0'], { stdio: ['pipe', 'pipe', 'pipe'] });
  const server = await listeningChild(child, START_TIMEOUT_MS, (why, stderr) => `the test S3 server ${why}${stderr ? `: ${stderr.trim()}` : ''}`);
  const endpoint = `http://127.0.0.1:${server.port}`;
  return {
    endpoint,
    storage: ({ bucket, maxAttempts, partSize } = {}) => {
      const name = bucket ?? `quire-test-${process.pid}-${++buckets}`;
      return new S3Storage({
        bucket: name,
        region: 'us-east-1',
        endpoint,
        credentials: { accessKeyId: 'test', secretAccessKey: 'test-secret' },
        publicUrl: `https://media.quire.test/${name}`,
        forcePathStyle: true,
        maxAttempts,
        partSize,
      });
    },
    // Closing its standard input is how the server is told to stop (and what happens if we die).
    stop: server.stop,
  };
}

async function locateServer(): Promise<string> {
  const target = join(cacheDir(), `s3-gofakes3-${sourceHash()}`);
  const bin = join(target, 'fakes3');
  if (existsSync(bin)) return bin;
  mkdirSync(cacheDir(), { recursive: true });
  const lock = `${target}.building`;
  await acquireLock(lock, pino({ level: 'warn' }), 'the test S3 server');
  try {
    if (existsSync(bin)) return bin; // another worker built it while we waited
    process.stderr.write(`[test] building the test S3 server (gofakes3) with Go, once, into ${target}...\n`);
    mkdirSync(target, { recursive: true });
    try {
      // go.sum pins every module; -mod=readonly never rewrites the repository's files.
      await run('go', ['build', '-trimpath', '-o', `${bin}.tmp`, '.'], SOURCE_DIR, { GOFLAGS: '-mod=readonly -buildvcs=false' });
    } catch (err) {
      const hint = /ENOENT/.test(String(err)) ? ' (Go is needed: the embedded FerretDB is built with it too)' : '';
      throw new Error(`the test S3 server could not be built${hint}: ${err instanceof Error ? err.message : String(err)}`);
    }
    renameSync(`${bin}.tmp`, bin);
    return bin;
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

// The cache folder is keyed by everything the build reads, so a changed wrapper or go.sum builds anew.
function sourceHash(): string {
  const hash = createHash('sha256');
  for (const name of readdirSync(SOURCE_DIR).sort()) hash.update(name).update('\0').update(readFileSync(join(SOURCE_DIR, name))).update('\0');
  return hash.digest('hex').slice(0, 12);
}
