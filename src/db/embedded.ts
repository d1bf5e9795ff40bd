// The embedded database of DESIGN.md, for when MONGODB_URI is unset: first a real mongod through
// mongodb-memory-server, then FerretDB 1.24 on SQLite. Both keep their files under DATA_DIR, so a second
// start finds the data of the first. FerretDB is built with Quire's patch (src/db/ferretdb/: atomic
// write commands) and supervised (supervisor.ts: restarted if it dies).
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { Logger } from '../logger.js';
import { projectRoot } from '../paths.js';
import { SupervisedProcess } from './supervisor.js';

export interface EmbeddedDatabase {
  engine: 'mongod' | 'ferretdb';
  uri: string;
  dataPath: string;
  /** The engine's process id while it runs (FerretDB only; tests kill it to check the restart). */
  pid?: () => number | undefined;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  dataDir: string;
  ferretdbBin?: string | undefined;
  logger: Logger;
  /** Skip the mongod attempt (used where it is known to be unreachable). */
  skipMongod?: boolean;
  /** Waits before restarting a FerretDB that died (supervisor.ts); tests lengthen the first. */
  restartDelaysMs?: number[];
}

export const FERRETDB_VERSION = 'v1.24.2';
const FERRETDB_MODULE = 'github.com/FerretDB/FerretDB';

// Quire's changes to FerretDB (src/db/ferretdb/: atomic write commands, E11000 on update, _id lookups on the index, also when the filter holds more than `_id`). The build
// reports this version (buildInfo's `ferretdbVersion`, `ferretdb --version`), which is how connect.ts tells
// the patched engine from a stock one; bump it with every change to those files.
export const QUIRE_FERRETDB_VERSION = `${FERRETDB_VERSION}-quire.3`;
const PATCH_DIR = join(projectRoot, 'src', 'db', 'ferretdb');
const PATCH_FILE = 'quire.patch';
const ADDED_GO_FILES = ['quire_atomic_writes.go'];

export class EmbeddedDatabaseError extends Error {
  override name = 'EmbeddedDatabaseError';
}

export async function startEmbedded(options: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const { logger } = options;
  mkdirSync(options.dataDir, { recursive: true });
  const reasons: string[] = [];

  // One line says which engine runs and why; a mongod that cannot be had is the normal case on machines
  // without MongoDB's download host, not an error, so it is part of that line rather than a warning.
  if (!options.skipMongod) {
    try {
      const mongod = await startMongod(options);
      logger.info(`Database: embedded mongod (mongodb-memory-server), data in ${mongod.dataPath}`);
      return mongod;
    } catch (err) {
      reasons.push(`mongod: ${firstLine(err)}`);
      logger.debug(`Embedded mongod not started: ${firstLine(err)}`);
    }
  }
  try {
    const ferretdb = await startFerretDB(options);
    const why = options.skipMongod ? 'mongod not tried' : `mongod unavailable: ${reasons[0]!.slice('mongod: '.length)}`;
    logger.info(`Database: embedded FerretDB ${FERRETDB_VERSION} on SQLite, data in ${ferretdb.dataPath} (${why})`);
    return ferretdb;
  } catch (err) {
    reasons.push(`FerretDB: ${firstLine(err)}`);
  }
  throw new EmbeddedDatabaseError(
    `No database could be started.\n  ${reasons.join('\n  ')}\n` +
      'Set MONGODB_URI to any MongoDB 6+ or FerretDB 1.24 server, for example MONGODB_URI=mongodb://127.0.0.1:27017/quire, ' +
      'or install Go (FerretDB is then built once) or set FERRETDB_BIN to a ferretdb binary.',
  );
}

// --- mongod through mongodb-memory-server -------------------------------------------------------------

// Where MongoDB's download host is unreachable, each attempt costs several seconds of retries. One failure
// is remembered for a day in the cache folder, so starts and test runs go straight to FerretDB.
const MONGOD_RETRY_AFTER_MS = 24 * 60 * 60 * 1000;

async function startMongod({ dataDir }: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const marker = join(cacheDir(), 'mongod-download-failed');
  if (existsSync(marker) && Date.now() - statSync(marker).mtimeMs < MONGOD_RETRY_AFTER_MS) {
    throw new Error(`its download failed within the last day; delete ${marker} to try again`);
  }
  const dbPath = join(dataDir, 'mongod');
  mkdirSync(dbPath, { recursive: true });
  const { MongoMemoryServer } = await import('mongodb-memory-server');
  let server: InstanceType<typeof MongoMemoryServer>;
  try {
    server = await MongoMemoryServer.create({
      instance: { dbPath, storageEngine: 'wiredTiger', ip: '127.0.0.1' },
    });
  } catch (err) {
    if (/download/i.test(String(err))) {
      mkdirSync(cacheDir(), { recursive: true });
      writeFileSync(marker, `${new Date().toISOString()} ${firstLine(err)}\n`);
    }
    throw err;
  }
  return {
    engine: 'mongod',
    uri: server.getUri(),
    dataPath: dbPath,
    stop: async () => {
      await server.stop({ doCleanup: false, force: false });
    },
  };
}

// --- FerretDB ------------------------------------------------------------------------------------------

async function startFerretDB(options: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const { dataDir, logger } = options;
  const bin = await locateFerretDB(options);
  const sqliteDir = join(dataDir, 'ferretdb');
  mkdirSync(sqliteDir, { recursive: true });
  const port = await freePort();
  const args = [
    '--handler=sqlite',
    `--sqlite-url=file:${sqliteDir}/`,
    `--listen-addr=127.0.0.1:${port}`,
    `--state-dir=${sqliteDir}`,
    // Its metrics endpoint would otherwise take port 8088 and clash with a second instance.
    `--debug-addr=127.0.0.1:0`,
    '--telemetry=disable',
    '--log-level=warn',
  ];
  // Supervised: restarted on the same port and data folder if it dies (supervisor.ts).
  const engine = new SupervisedProcess({
    name: 'FerretDB',
    command: bin,
    args,
    logger,
    ready: (child) => waitForPort(port, child, 30_000),
    restartDelaysMs: options.restartDelaysMs,
  });
  await engine.start();
  return {
    engine: 'ferretdb',
    uri: `mongodb://127.0.0.1:${port}/`,
    dataPath: sqliteDir,
    pid: () => engine.pid,
    stop: () => engine.stop(),
  };
}

async function locateFerretDB({ ferretdbBin, logger }: EmbeddedOptions): Promise<string> {
  if (ferretdbBin) {
    if (!existsSync(ferretdbBin)) throw new Error(`FERRETDB_BIN=${ferretdbBin} does not exist`);
    return ferretdbBin;
  }
  const onPath = findOnPath('ferretdb');
  if (onPath) return onPath;
  // The folder is named after the patch's content too, so a build without it (or with an older one) is
  // never picked up.
  const cached = join(cacheDir(), `ferretdb-${QUIRE_FERRETDB_VERSION}-${patchDigest()}`, 'ferretdb');
  if (existsSync(cached)) return cached;
  const go = findOnPath('go');
  if (!go) throw new Error('no ferretdb on PATH, FERRETDB_BIN unset, and no Go toolchain to build it');
  await buildFerretDB(go, cached, logger);
  return cached;
}

// `go install github.com/FerretDB/FerretDB/cmd/ferretdb@v1.24.2` builds a binary that panics at start:
// the module zip lacks the generated build/version/version.txt. So the module is fetched the same way
// (Go module proxy), copied, given that file and Quire's patch (as distributions carry theirs), and built
// from its own go.mod and go.sum.
async function buildFerretDB(go: string, target: string, logger: Logger): Promise<void> {
  const targetDir = join(target, '..');
  mkdirSync(targetDir, { recursive: true });
  const lock = join(targetDir, '.building');
  await acquireLock(lock, logger);
  try {
    if (existsSync(target)) return; // another process built it while we waited
    const announce = (msg: string) => {
      logger.info(msg);
      if (!logger.isLevelEnabled('info')) process.stderr.write(msg + '\n');
    };
    announce(`Building FerretDB ${QUIRE_FERRETDB_VERSION} with Go, once, into ${targetDir} (1-3 minutes on a new machine)...`);
    const download = await run(go, ['mod', 'download', '-json', `${FERRETDB_MODULE}@${FERRETDB_VERSION}`], tmpdir());
    const moduleDir = (JSON.parse(download) as { Dir?: string }).Dir;
    if (!moduleDir) throw new Error('go mod download did not report a module folder');
    const src = mkdtempSync(join(tmpdir(), 'quire-ferretdb-src-'));
    try {
      cpSync(moduleDir, src, { recursive: true });
      await run('chmod', ['-R', 'u+w', src], src);
      writeFileSync(join(src, 'build', 'version', 'version.txt'), QUIRE_FERRETDB_VERSION + '\n');
      await applyQuirePatch(src);
      announce('  downloading FerretDB dependencies and compiling...');
      await run(go, ['build', '-trimpath', '-o', target + '.tmp', './cmd/ferretdb'], src, {
        GOFLAGS: '-mod=mod -buildvcs=false',
      });
      renameSync(target + '.tmp', target);
      announce(`  FerretDB ${QUIRE_FERRETDB_VERSION} built: ${target}`);
    } finally {
      rmSync(src, { recursive: true, force: true });
    }
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** Applies src/db/ferretdb/ to a copy of FerretDB's source: the patch, then the added Go files. */
async function applyQuirePatch(src: string): Promise<void> {
  const patch = join(PATCH_DIR, PATCH_FILE);
  if (findOnPath('git')) {
    // Outside any repository (the ceiling stops git from finding one above the temporary folder), `git
    // apply` patches plain files and refuses a hunk that does not match exactly.
    await run('git', ['apply', '--verbose', patch], src, { GIT_CEILING_DIRECTORIES: join(src, '..') });
  } else if (findOnPath('patch')) {
    await run('patch', ['-p1', '--forward', '--batch', '-i', patch], src);
  } else {
    throw new Error('neither git nor patch is installed, and one is needed to build FerretDB');
  }
  for (const file of ADDED_GO_FILES) cpSync(join(PATCH_DIR, file), join(src, 'internal', 'handler', file));
}

function patchDigest(): string {
  const hash = createHash('sha256');
  for (const file of [PATCH_FILE, ...ADDED_GO_FILES]) hash.update(readFileSync(join(PATCH_DIR, file)));
  return hash.digest('hex').slice(0, 8);
}

// --- small process and network helpers -------------------------------------------------------------------

export function cacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'quire');
}

function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

export function run(cmd: string, args: string[], cwd: string, env: Record<string, string> = {}): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err = (err + c.toString()).slice(-4000)));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolvePromise(out);
      else reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${err.trim().split('\n').slice(-5).join(' | ')}`));
    });
  });
}

// Shared with the test engines' builds (test/engines/), which are cached the same way.
export async function acquireLock(lock: string, logger: Logger, what = 'FerretDB'): Promise<void> {
  const started = Date.now();
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'pid'), String(process.pid));
      return;
    } catch {
      // A lock left by a process that died is taken over.
      const pid = Number(readFileIfExists(join(lock, 'pid')));
      if (pid && !isAlive(pid)) {
        rmSync(lock, { recursive: true, force: true });
        continue;
      }
      if (Date.now() - started > 10 * 60_000) throw new Error(`timed out waiting for ${lock}`);
      if (Date.now() - started < 1500) logger.info(`Waiting for another process building ${what}...`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

function readFileIfExists(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolvePromise(port));
    });
  });
}

async function waitForPort(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`ferretdb exited with code ${child.exitCode}`);
    const open = await new Promise<boolean>((r) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        r(true);
      });
      socket.once('error', () => r(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`ferretdb did not listen on port ${port} within ${timeoutMs / 1000}s`);
}

function firstLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split('\n')[0]!.trim();
}
