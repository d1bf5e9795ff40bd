// Starts a database (MONGODB_URI or the embedded engine) and the compiled server on it, seeded with demo
// content, for the browser journeys. Everything lives in a throw-away folder and is stopped afterwards.
// The seed makes the demo accounts with random passwords on the fresh database and writes them to a file
// (--credentials); the journeys get them through `inject('credentials')`.
// Journeys may restart the server (restartServer() in browser.ts): a small control endpoint on 127.0.0.1,
// behind a random path, stops the server process and starts a new one on the same database and port.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pino } from 'pino';
import type { TestProject } from 'vitest/node';
import { freePort, startEmbedded, type EmbeddedDatabase } from '../../../src/db/embedded.js';
import type { DemoCredentials } from './credentials.js';
import { RESULTS_DIR } from './results.js';

declare module 'vitest' {
  export interface ProvidedContext {
    baseUrl: string;
    credentials: DemoCredentials;
    /** POST here to restart the server (stop, start again on the same database, wait for /healthz). */
    serverControl: string;
  }
}

const root = resolve(import.meta.dirname, '../../..');
const SERVER_START_MS = 60_000;

function runNode(script: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [script, ...args], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (out += c));
    child.on('error', rej);
    child.on('exit', (code) => (code === 0 ? res(out) : rej(new Error(`${script} exited ${code}:\n${out}`))));
  });
}

function readCredentials(file: string): DemoCredentials {
  const data = JSON.parse(readFileSync(file, 'utf8')) as Partial<DemoCredentials>;
  for (const role of ['admin', 'editor', 'author', 'reader'] as const) {
    if (!data[role]?.password) throw new Error(`the seed wrote no ${role} account to ${file} (was the database not fresh?)`);
  }
  return data as DemoCredentials;
}

async function stopServer(server: ChildProcess): Promise<void> {
  if (server.exitCode !== null || server.signalCode !== null) return;
  const exited = once(server, 'exit');
  server.kill('SIGTERM');
  const timer = setTimeout(() => server.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

async function waitForHealth(baseUrl: string, server: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + SERVER_START_MS;
  for (;;) {
    try {
      const res = await fetch(`${baseUrl}/healthz`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    if (server.exitCode !== null) throw new Error(`the server exited (${server.exitCode}):\n${log()}`);
    if (Date.now() > deadline) throw new Error(`the server did not answer /healthz within ${SERVER_START_MS / 1000} s:\n${log()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (!existsSync(join(root, 'dist', 'server.js'))) throw new Error('Run `npm run build` first (npm run test:e2e does).');
  rmSync(RESULTS_DIR, { recursive: true, force: true });
  mkdirSync(RESULTS_DIR, { recursive: true });
  const work = mkdtempSync(join(tmpdir(), 'quire-e2e-'));
  let embedded: EmbeddedDatabase | undefined;
  let server: ChildProcess | undefined;
  let control: Server | undefined;
  let log = '';
  const teardown = async () => {
    if (control) await new Promise((r) => control!.close(r));
    if (server) await stopServer(server);
    writeFileSync(join(RESULTS_DIR, 'server.log'), log);
    await embedded?.stop();
    rmSync(work, { recursive: true, force: true });
  };

  try {
    if (!process.env.MONGODB_URI) {
      embedded = await startEmbedded({ dataDir: join(work, 'db'), logger: pino({ level: 'warn' }), ferretdbBin: process.env.FERRETDB_BIN || undefined });
    }
    const base = process.env.MONGODB_URI ?? embedded!.uri;
    // A database of its own on whatever server, so that the seed always starts from nothing.
    const url = new URL(base);
    url.pathname = `/quire_e2e_${Date.now()}`;
    const port = await freePort();
    const baseUrl = `http://localhost:${port}`;
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      NODE_ENV: 'production',
      PORT: String(port),
      SITE_URL: baseUrl,
      MONGODB_URI: url.toString(),
      DATA_DIR: join(work, 'data'),
      UPLOAD_DIR: join(work, 'uploads'),
      JWT_SECRET: 'e2e-secret-0123456789-0123456789-0123456789',
      LOG_LEVEL: 'warn',
    };

    const credentialsFile = join(work, 'credentials.json');
    await runNode('dist/cli/seed.js', ['--force', '--quiet', '--credentials', credentialsFile], env);
    const credentials = readCredentials(credentialsFile);

    const startServer = async () => {
      server = spawn(process.execPath, ['dist/server.js'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
      server.stdout!.on('data', (c) => (log += c));
      server.stderr!.on('data', (c) => (log += c));
      await waitForHealth(baseUrl, server, () => log);
    };
    await startServer();

    const secretPath = `/${randomBytes(16).toString('hex')}/restart`;
    control = createServer((req, res) => {
      if (req.method !== 'POST' || req.url !== secretPath) {
        res.writeHead(404).end();
        return;
      }
      log += '\n--- restart asked for by a journey ---\n';
      void (async () => {
        await stopServer(server!);
        await startServer();
      })().then(
        () => res.writeHead(200).end('restarted'),
        (err: unknown) => res.writeHead(500).end(String(err)),
      );
    });
    control.listen(0, '127.0.0.1');
    await once(control, 'listening');
    const address = control.address();
    if (!address || typeof address === 'string') throw new Error('the control endpoint has no port');

    project.provide('baseUrl', baseUrl);
    project.provide('credentials', credentials);
    project.provide('serverControl', `http://127.0.0.1:${address.port}${secretPath}`);
  } catch (err) {
    await teardown();
    throw err;
  }
  return teardown;
}
