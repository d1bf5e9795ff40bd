// Logs a person can read in development and a collector can parse in production: one line per page
// request (pages answered from the page cache included), static files only at debug, JSON in production.
import { spawnSync } from 'node:child_process';
import { Writable } from 'node:stream';
import request from 'supertest';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApp } from '../../src/app.js';
import type { Config } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { testConfig } from '../support/app.js';
import { User } from '../../src/users/user.model.js';
import { makeUser } from '../support/factories.js';
import { sessionFor } from '../support/session.js';

/** An app whose logger writes into `lines`. */
function loggedApp(overrides: Partial<Config>, pageCache = false) {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  const config = testConfig(overrides);
  const app = createApp({ config, logger: createLogger(config, sink), pageCache });
  return { app, lines };
}

beforeAll(async () => {
  await makeUser({ role: 'admin' });
});

describe('request logs in development', () => {
  it('print one readable line per page, and no line for static files or health checks at info', async () => {
    const { app, lines } = loggedApp({ logLevel: 'info', isProduction: false });
    await request(app).get('/').expect(200);
    await request(app).get('/public/css/quire.css').expect(200);
    await request(app).get('/vendor/bootstrap/css/bootstrap.min.css').expect(200);
    await request(app).get('/uploads/media/none/320.webp').expect(404);
    await request(app).get('/healthz').expect(200);
    await request(app).get('/search?q=secret-term').expect(200);

    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^\[\d\d:\d\d:\d\d\] INFO: GET \/ 200 \d+ ms$/);
    // The query string (search terms, a CSRF token in a multipart form's URL) is never logged.
    expect(lines[1]).toMatch(/^\[\d\d:\d\d:\d\d\] INFO: GET \/search 200 \d+ ms$/);
  });

  it('print static files at debug level', async () => {
    const { app, lines } = loggedApp({ logLevel: 'debug', isProduction: false });
    await request(app).get('/public/css/quire.css').expect(200);
    expect(lines).toEqual([expect.stringMatching(/DEBUG: GET \/public\/css\/quire\.css 200 \d+ ms$/)]);
  });

  it('include pages answered from the page cache', async () => {
    const { app, lines } = loggedApp({ logLevel: 'info', isProduction: false }, true);
    for (let i = 0; i < 3; i++) await request(app).get('/').expect(200);
    expect(lines.filter((l) => / GET \/ 200 /.test(l))).toHaveLength(3);
  });
});

describe('logs in production', () => {
  it('are JSON lines with the request as fields, and no cookie or query string', async () => {
    const { app, lines } = loggedApp({ logLevel: 'info', isProduction: true, env: 'production' });
    await request(app).get('/search?q=private').set('Cookie', 'quire_session=abc').expect(200);
    expect(lines).toHaveLength(1);
    const record = JSON.parse(lines[0]!) as { level: number; msg: string; req: Record<string, unknown>; res: { statusCode: number } };
    expect(record).toMatchObject({ level: 30, msg: expect.stringMatching(/^GET \/search 200 \d+ ms$/), req: { method: 'GET', path: '/search' }, res: { statusCode: 200 } });
    expect(lines[0]).not.toContain('private');
    expect(lines[0]).not.toContain('abc');
  });

  it('log a failed request at error level, with its path and status but never its cookie', async () => {
    const { app, lines } = loggedApp({ logLevel: 'info', isProduction: true, env: 'production' });
    const user = await makeUser();
    vi.spyOn(User, 'findById').mockImplementation(() => {
      throw new Error('the database went away');
    });
    const cookie = sessionFor(user, testConfig({ isProduction: true, env: 'production' })).cookie;
    await request(app).get('/search?q=private').set('Cookie', cookie).expect(500);
    const records = lines.map((line) => JSON.parse(line) as { level: number; msg: string; req?: { path: string }; res?: { statusCode: number } });
    const request500 = records.find((r) => r.res?.statusCode === 500);
    expect(request500).toMatchObject({ level: 50, msg: 'GET /search 500 failed: failed with status code 500', req: { method: 'GET', path: '/search' } });
    const token = /quire_session=([^;]+)/.exec(cookie)![1]!;
    for (const line of lines) expect(line).not.toContain(token);
    // Neither the request line nor the error handler's own line shows the query.
    for (const line of lines) expect(line).not.toContain('private');
  });

  it('never show the secret of a one-time link (password reset, invitation, email verification)', async () => {
    const { app, lines } = loggedApp({ logLevel: 'info', isProduction: true, env: 'production' });
    const secret = 'Sup3rSecretToken0123456789abcdefXYZ';
    for (const path of [`/password/reset/${secret}`, `/invite/${secret}`, `/verify-email/${secret}`]) await request(app).get(path);
    expect(lines).toHaveLength(3);
    for (const line of lines) expect(line).not.toContain(secret);
    const paths = lines.map((line) => (JSON.parse(line) as { req: { path: string } }).req.path);
    expect(paths).toEqual(['/password/reset/[token]', '/invite/[token]', '/verify-email/[token]']);
  });
});

describe('the production log destination', () => {
  it('loses no line when the process exits right after logging', () => {
    // A fatal message followed by process.exit is how server.ts stops when it cannot start.
    // The compiled logger (dist/, brought up to date by test/global-setup.ts), as the server runs it:
    // without tsx's loader the child starts in a fraction of the CPU.
    const script = `import { createLogger } from './dist/logger.js';
      const log = createLogger({ logLevel: 'info', isProduction: true });
      for (let i = 0; i < 2000; i++) log.info({ i }, 'line');
      log.fatal('last words');
      process.exit(1);`;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    expect(child.status).toBe(1);
    const lines = child.stdout.trim().split('\n');
    expect(lines).toHaveLength(2001);
    expect(JSON.parse(lines[1999]!)).toMatchObject({ level: 30, i: 1999 });
    expect(JSON.parse(lines[2000]!)).toMatchObject({ level: 60, msg: 'last words' });
  });
});

afterEach(() => {
  vi.restoreAllMocks();
});
