// The second test engine (QUIRE_TEST_ENGINE=mongo-java-server): mongo-java-server, which keeps MongoDB's
// single-document semantics (atomic conditional updates, no lost $inc/$push, 11000 on duplicates) where
// the embedded FerretDB 1.24 does not. It stands in for MongoDB's semantics, not its performance: memory
// backend, unique indexes only, no transactions or change streams.
// The launcher in ./mongo-java-server/ is built once with Maven into
// ~/.cache/quire/mongo-java-server-<version>-<hash of the launcher's sources>/, the way FerretDB is built
// once (src/db/embedded.ts), and started per test run on a free port of 127.0.0.1.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { acquireLock, cacheDir, run } from '../../src/db/embedded.js';
import { listeningChild } from './listening-child.js';
import type { Logger } from '../../src/logger.js';

export const MONGO_JAVA_SERVER = 'mongo-java-server';

const SOURCE_DIR = fileURLToPath(new URL('./mongo-java-server/', import.meta.url));
const START_TIMEOUT_MS = 60_000;

export interface TestEngine {
  engine: typeof MONGO_JAVA_SERVER;
  uri: string;
  stop(): Promise<void>;
}

export async function startMongoJavaServer(logger: Logger): Promise<TestEngine> {
  const jar = await locateLauncher(logger);
  // Serial GC and a bounded heap: the machine's two cores and memory are shared with the test workers.
  const child = spawn('java', ['-XX:+UseSerialGC', '-Xmx1g', '-jar', jar, '0'], { stdio: ['pipe', 'pipe', 'pipe'] });
  const server = await listeningChild(child, START_TIMEOUT_MS, (why, stderr) => {
    const hint = why.startsWith('could not start') ? ' (Java: apt-get install default-jre-headless)' : '';
    return `${MONGO_JAVA_SERVER} ${why}${hint}${stderr ? `: ${stderr.trim().split('\n').slice(-5).join(' | ')}` : ''}`;
  });

  // A server that dies during the run would otherwise show only as connection errors in the tests.
  let stopping = false;
  child.once('exit', (code, signal) => {
    if (stopping) return;
    process.stderr.write(`[test] ${MONGO_JAVA_SERVER} stopped during the run (${signal ?? `code ${code}`}): ${server.stderr().trim()}\n`);
  });

  return {
    engine: MONGO_JAVA_SERVER,
    uri: `mongodb://127.0.0.1:${server.port}/`,
    stop: () => {
      stopping = true;
      return server.stop();
    },
  };
}

async function locateLauncher(logger: Logger): Promise<string> {
  const version = /<mongo-java-server\.version>([^<]+)</.exec(readFileSync(join(SOURCE_DIR, 'pom.xml'), 'utf8'))?.[1];
  if (!version) throw new Error(`no <mongo-java-server.version> in ${join(SOURCE_DIR, 'pom.xml')}`);
  const target = join(cacheDir(), `${MONGO_JAVA_SERVER}-${version}-${sourceHash()}`);
  const jar = join(target, 'launcher.jar');
  if (existsSync(jar)) return jar;

  mkdirSync(cacheDir(), { recursive: true });
  const lock = `${target}.building`;
  await acquireLock(lock, logger, MONGO_JAVA_SERVER);
  try {
    if (existsSync(jar)) return jar; // another process built it while we waited
    await buildLauncher(version, target);
    return jar;
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

// Maven builds in a copy of the sources, so the repository never gets a target/ folder; the jar and its
// runtime dependencies (lib/, named in the jar's manifest) are then moved into the cache in one rename.
async function buildLauncher(version: string, target: string): Promise<void> {
  process.stderr.write(`[test] building ${MONGO_JAVA_SERVER} ${version} with Maven, once, into ${target}...\n`);
  const work = mkdtempSync(join(tmpdir(), 'quire-mongo-java-server-'));
  try {
    cpSync(SOURCE_DIR, work, { recursive: true });
    try {
      await run('mvn', ['-B', '-q', '--no-transfer-progress', '-Dstyle.color=never', 'package'], work);
    } catch (err) {
      const hint = /ENOENT/.test(String(err))
        ? ' (Maven and a JDK are needed: apt-get install maven default-jdk-headless; .ci/run installs them)'
        : '';
      throw new Error(`${MONGO_JAVA_SERVER} build failed${hint}: ${err instanceof Error ? err.message : String(err)}`);
    }
    const staging = `${target}.tmp`;
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(staging, { recursive: true });
    // Copied, not renamed: the temporary folder may be on another file system than the cache.
    cpSync(join(work, 'target', 'launcher.jar'), join(staging, 'launcher.jar'));
    cpSync(join(work, 'target', 'lib'), join(staging, 'lib'), { recursive: true });
    renameSync(staging, target);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

// The cache folder is keyed by everything Maven builds from, so a changed pom or launcher builds anew.
function sourceHash(): string {
  const hash = createHash('sha256');
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else hash.update(relative(SOURCE_DIR, path)).update('\0').update(readFileSync(path)).update('\0');
    }
  };
  walk(SOURCE_DIR);
  return hash.digest('hex').slice(0, 12);
}
