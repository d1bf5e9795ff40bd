// Real Quire server processes for multi-process tests, and a small browser for them: a cookie jar, forms
// read from the pages (so the CSRF token is whatever the server put there), redirects not followed.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { rm } from 'node:fs/promises';
import { freePort } from '../../src/db/embedded.js';
import { scratchDir } from './scratch.js';

export interface QuireProcess {
  url: string;
  child: ChildProcess;
  output(): string;
  stop(): Promise<number | null>;
}

/**
 * The command `npm start` runs, on the dist/ that test/global-setup.ts brought up to date: the compiled
 * server loads in about half the CPU time of `--import tsx src/server.ts` (tsx's loader hooks), and each
 * process start counts in a suite that starts eight of them.
 */
export const SERVER_ENTRY = 'dist/server.js';

/** Starts the server with `env` on a free port; resolves once /healthz answers 200. */
export async function startQuire(env: Record<string, string>, { ready = 60_000 } = {}): Promise<QuireProcess> {
  const port = await freePort();
  // In memory where possible: with MONGODB_URI empty the server starts its own FerretDB in it.
  const dataDir = scratchDir('quire-proc-data-');
  const child = spawn(process.execPath, [SERVER_ENTRY], {
    env: {
      ...process.env,
      NODE_ENV: 'development',
      LOG_LEVEL: 'warn',
      DATA_DIR: dataDir,
      ...env,
      PORT: String(port),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Removed once the server is gone: in /dev/shm a folder left behind would hold memory until a reboot.
  // Best effort: a process the server started may still be closing its files, and a folder that could
  // not be removed is no failure of the test that started the server.
  child.once('exit', () => void rm(dataDir, { recursive: true, force: true, maxRetries: 3 }).catch(() => undefined));
  let output = '';
  child.stdout!.on('data', (c) => (output += c));
  child.stderr!.on('data', (c) => (output += c));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + ready;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`Quire exited with ${child.exitCode}:\n${output}`);
    const up = await fetch(`${url}/healthz`).then((r) => r.status === 200, () => false);
    if (up) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`Quire did not answer /healthz within ${ready / 1000}s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    child,
    output: () => output,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const [code] = (await once(child, 'exit')) as [number | null];
      return code;
    },
  };
}

export interface Answer {
  status: number;
  location: string | null;
  headers: Headers;
  body: string;
}

/** A browser without JavaScript: cookies kept per browser, shared by every server it talks to. */
export class Browser {
  private readonly cookies = new Map<string, string>();

  async get(url: string): Promise<Answer> {
    return this.request(url, { method: 'GET' });
  }

  /** Posts `fields` to `action` along with the hidden fields of the first form on `pageUrl` that posts there. */
  async submit(pageUrl: string, action: string, fields: Record<string, string>): Promise<Answer> {
    const page = await this.get(pageUrl);
    return this.post(new URL(action, pageUrl).href, { ...hiddenFields(page.body, action), ...fields });
  }

  async post(url: string, fields: Record<string, string>): Promise<Answer> {
    return this.request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    });
  }

  private async request(url: string, init: RequestInit): Promise<Answer> {
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await fetch(url, { ...init, redirect: 'manual', headers: { ...(init.headers as object), ...(cookie ? { cookie } : {}) } });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (value === '' || /max-age=0|expires=thu, 01 jan 1970/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return { status: res.status, location: res.headers.get('location'), headers: res.headers, body: await res.text() };
  }
}

/** The hidden inputs of the first form whose action is `action`. */
export function hiddenFields(html: string, action: string): Record<string, string> {
  const forms = html.match(/<form\b[^>]*>[\s\S]*?<\/form>/g) ?? [];
  const form = forms.find((f) => new RegExp(`\\saction="${action.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(\\?[^"]*)?"`).test(f));
  if (!form) throw new Error(`no form posting to ${action}`);
  const fields: Record<string, string> = {};
  for (const input of form.match(/<input\b[^>]*type="hidden"[^>]*>/g) ?? []) {
    const name = /name="([^"]*)"/.exec(input)?.[1];
    const value = /value="([^"]*)"/.exec(input)?.[1] ?? '';
    if (name) fields[name] = value.replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>');
  }
  return fields;
}
