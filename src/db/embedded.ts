// The embedded database of DESIGN.md, for when MONGODB_URI is unset: first a real mongod through
// mongodb-memory-server, then FerretDB 1.24 on SQLite. Both keep their files under DATA_DIR, so a second
// start finds the data of the first.
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { Logger } from '../logger.js';

export interface EmbeddedDatabase {
  engine: 'mongod' | 'ferretdb';
  uri: string;
  dataPath: string;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  dataDir: string;
  ferretdbBin?: string | undefined;
  logger: Logger;
  /** Skip the mongod attempt (used where it is known to be unreachable). */
  skipMongod?: boolean;
}

export const FERRETDB_VERSION = 'v1.24.2';
const FERRETDB_MODULE = 'github.com/FerretDB/FerretDB';

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
  const { dataDir } = options;
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
  const child = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  // The engine must not outlive us, even when we exit without a graceful shutdown.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  try {
    await waitForPort(port, child, 30_000);
  } catch (err) {
    child.kill('SIGKILL');
    process.removeListener('exit', killOnExit);
    throw new Error(`${firstLine(err)}${stderr ? `: ${stderr.trim().split('\n').slice(-3).join(' | ')}` : ''}`);
  }
  return {
    engine: 'ferretdb',
    uri: `mongodb://127.0.0.1:${port}/`,
    dataPath: sqliteDir,
    stop: () => stopChild(child).finally(() => process.removeListener('exit', killOnExit)),
  };
}

async function locateFerretDB({ ferretdbBin, logger }: EmbeddedOptions): Promise<string> {
  if (ferretdbBin) {
    if (!existsSync(ferretdbBin)) throw new Error(`FERRETDB_BIN=${ferretdbBin} does not exist`);
    return ferretdbBin;
  }
  const onPath = findOnPath('ferretdb');
  if (onPath) return onPath;
  const cached = join(cacheDir(), `ferretdb-${FERRETDB_VERSION}`, 'ferretdb');
  if (existsSync(cached)) return cached;
  const go = findOnPath('go');
  if (!go) throw new Error('no ferretdb on PATH, FERRETDB_BIN unset, and no Go toolchain to build it');
  await buildFerretDB(go, cached, logger);
  return cached;
}

// `go install github.com/FerretDB/FerretDB/cmd/ferretdb@v1.24.2` builds a binary that panics at start:
// the module zip lacks the generated build/version/version.txt. So the module is fetched the same way
// (Go module proxy), copied, given that one file, and built from its own go.mod and go.sum.
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
    announce(`Building FerretDB ${FERRETDB_VERSION} with Go, once, into ${targetDir} (1-3 minutes on a new machine)...`);
    const download = await run(go, ['mod', 'download', '-json', `${FERRETDB_MODULE}@${FERRETDB_VERSION}`], tmpdir());
    const moduleDir = (JSON.parse(download) as { Dir?: string }).Dir;
    if (!moduleDir) throw new Error('go mod download did not report a module folder');
    const src = mkdtempSync(join(tmpdir(), 'quire-ferretdb-src-'));
    try {
      cpSync(moduleDir, src, { recursive: true });
      await run('chmod', ['-R', 'u+w', src], src);
      writeFileSync(join(src, 'build', 'version', 'version.txt'), FERRETDB_VERSION + '\n');
      announce('  downloading FerretDB dependencies and compiling...');
      await run(go, ['build', '-trimpath', '-o', target + '.tmp', './cmd/ferretdb'], src, {
        GOFLAGS: '-mod=mod -buildvcs=false',
      });
      renameSync(target + '.tmp', target);
      announce(`  FerretDB ${FERRETDB_VERSION} built: ${target}`);
    } finally {
      rmSync(src, { recursive: true, force: true });
    }
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
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

function run(cmd: string, args: string[], cwd: string, env: Record<string, string> = {}): Promise<string> {
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

async function acquireLock(lock: string, logger: Logger): Promise<void> {
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
      if (Date.now() - started < 1500) logger.info('Waiting for another process building FerretDB...');
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

function freePort(): Promise<number> {
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

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolvePromise) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(force);
      resolvePromise();
    });
    child.kill('SIGTERM');
  });
}

function firstLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split('\n')[0]!.trim();
}
