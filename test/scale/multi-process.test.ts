// Two Quire servers on one database, as two machines (or two workers) behind a load balancer would be:
// what one process writes, the other shows and enforces. Driven through HTML forms like a browser.
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { articleOrder } from '../../src/cli/seed/posts.js';
import { seed } from '../../src/cli/seed/seed.js';
import { LocalDiskStorage } from '../../src/media/storage.js';
import { startChangeFeed } from '../../src/shared-signals.js';
import { testDbName } from '../setup.js';
import { Browser, startQuire, type QuireProcess } from '../support/processes.js';

const ADMIN = { username: 'chief', email: 'chief@example.com', displayName: 'Chief Editor', password: 'correct horse battery staple 42' };

let a: QuireProcess;
let b: QuireProcess;
const admin = new Browser();

async function signIn(browser: Browser, server: QuireProcess, password = ADMIN.password) {
  return browser.submit(`${server.url}/signin`, '/signin', { identifier: ADMIN.username, password });
}

/** Polls `check` every 50 ms until it is true or `ms` pass; resolves with how long it took, or null. */
async function within(ms: number, check: () => Promise<boolean>): Promise<number | null> {
  const started = Date.now();
  while (Date.now() - started <= ms) {
    if (await check()) return Date.now() - started;
    await new Promise((r) => setTimeout(r, 50));
  }
  return null;
}

beforeAll(async () => {
  const env = {
    // This file's own database, which this test process is connected to as well (test/setup.ts).
    MONGODB_URI: `${inject('mongoUri').replace(/\/?$/, '/')}${testDbName}`,
    JWT_SECRET: randomBytes(48).toString('base64url'),
  };
  // A logs at info, so that the last test can read its start and stop lines (one spawn serving the
  // shutdown test too: each server start is a second or two of CPU).
  [a, b] = await Promise.all([startQuire({ ...env, LOG_LEVEL: 'info' }), startQuire(env)]);
  const setup = await admin.submit(`${a.url}/setup`, '/setup', ADMIN);
  expect(setup.status).toBe(303);
}, 120_000);

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
});

describe('two processes on one database', () => {
  it('a post published through A is on B’s home page for anonymous visitors within a second', async () => {
    const reader = new Browser();
    // B's page cache keeps a page from its second request: the third is served from it.
    await reader.get(`${b.url}/`);
    await reader.get(`${b.url}/`);
    const before = await reader.get(`${b.url}/`);
    expect(before.headers.get('x-page-cache')).toBe('hit');

    const title = `Published through A ${randomBytes(3).toString('hex')}`;
    const created = await admin.submit(`${a.url}/posts/new`, '/posts', { title, body: 'Hello from A.', intent: 'publish', tags: '' });
    expect(created.status).toBe(303);

    // The change feed polls every 250 ms; a second leaves room for a busy machine.
    const took = await within(1000, async () => (await reader.get(`${b.url}/`)).body.includes(title));
    expect(took, `B's home page did not show the post within 1 s`).not.toBeNull();
  });

  it('the same post edited through A and B at once: exactly one edit wins, the other gets 409', async () => {
    const title = `Contested ${randomBytes(3).toString('hex')}`;
    const created = await admin.submit(`${a.url}/posts/new`, '/posts', { title, body: 'First words.', intent: 'save', tags: '' });
    expect(created.status).toBe(303);
    const slug = /\/posts\/([^/]+)\/edit/.exec(created.location ?? '')?.[1];
    expect(slug).toBeTruthy();
    const editPath = `/posts/${slug}/edit`;
    // Both editors were loaded from the same version.
    const [formA, formB] = await Promise.all([admin.get(`${a.url}${editPath}`), admin.get(`${b.url}${editPath}`)]);
    const { hiddenFields } = await import('../support/processes.js');
    const fieldsA = hiddenFields(formA.body, editPath);
    const fieldsB = hiddenFields(formB.body, editPath);
    expect(fieldsA.version).toBe(fieldsB.version);
    const results = await Promise.all([
      admin.post(`${a.url}${editPath}`, { ...fieldsA, title, body: 'Edited through A.', intent: 'save', tags: '' }),
      admin.post(`${b.url}${editPath}`, { ...fieldsB, title, body: 'Edited through B.', intent: 'save', tags: '' }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([303, 409]);
  });

  it('failed sign-ins through A and B add up to one lockout', { timeout: 120_000 }, async () => {
    const guesses = Array.from({ length: 10 }, (_, i) => [a, b][i % 2]!);
    for (const server of guesses) {
      const res = await signIn(new Browser(), server, `wrong password ${randomBytes(4).toString('hex')}`);
      expect(res.status).toBe(401);
    }
    // The 11th attempt, even with the right password, is refused by either process.
    for (const server of [a, b]) {
      const res = await signIn(new Browser(), server);
      expect(res.status).toBe(429);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    }
  });
});

describe('sessions across processes', () => {
  it('sign-out-everywhere through A ends the session on B at the next request', { timeout: 120_000 }, async () => {
    const phone = new Browser();
    const laptop = new Browser();
    // A fresh account, so the lockout test above does not stand in the way.
    const username = `member${randomBytes(3).toString('hex')}`;
    const password = `a long and unusual passphrase ${randomBytes(3).toString('hex')}`;
    await admin.get(`${a.url}/`); // the admin is still signed in from setup
    const signup = await new Browser().submit(`${b.url}/signup`, '/signup', { username, email: `${username}@example.com`, displayName: 'Member', password });
    expect(signup.status).toBe(303);
    for (const [browser, server] of [[phone, a], [laptop, b]] as const) {
      const res = await browser.submit(`${server.url}/signin`, '/signin', { identifier: username, password });
      expect(res.status).toBe(303);
      expect((await browser.get(`${server.url}/account`)).status).toBe(200);
    }
    const out = await phone.submit(`${a.url}/account`, '/account/signout-everywhere', {});
    expect(out.status).toBe(303);
    const after = await laptop.get(`${b.url}/account`);
    expect(after.status).toBe(303);
    expect(after.location).toMatch(/^\/signin\?next=/);
  });
});

describe('a third process writing', () => {
  it('a seed run into running servers shows on their home pages at once', async () => {
    const reader = new Browser();
    for (let i = 0; i < 3; i++) await reader.get(`${b.url}/`);
    // This test process is one more Quire process on the same database, as `npm run seed` would be.
    const feed = await startChangeFeed(pino({ level: 'silent' }));
    const storage = new LocalDiskStorage(mkdtempSync(join(tmpdir(), 'quire-seed-live-')), '/uploads');
    await seed({ config: { isProduction: false }, logger: pino({ level: 'silent' }), storage, posts: 61, coverWidth: 320 });
    await feed.stop();
    // Titles that HTML leaves as they are, so the page can be searched for them as text.
    const titles = articleOrder().map((a) => a.title).filter((t) => /^[\w\s,.()-]+$/.test(t));
    const took = await within(1000, async () => {
      const home = (await reader.get(`${b.url}/`)).body;
      return titles.some((t) => home.includes(t));
    });
    expect(took, 'the seeded articles did not reach the running server within 1 s').not.toBeNull();
  }, 180_000);
});

// Last, as it ends A. The graceful close itself (requests in flight finished, new ones refused) is
// tested in foundation/shutdown.test.ts; here, the whole process, after real use.
describe('stopping', () => {
  it('stops the server process on SIGTERM with exit code 0', async () => {
    expect(a.output()).toContain('Quire is running');
    expect(await a.stop()).toBe(0);
    expect(a.output()).toContain('stopped');
  });
});
