// Brute force: failed sign-ins are limited per account and per client address; past the limit, 429 with
// Retry-After, checked before any password is hashed. The counters live in the database, shared by every
// app on it (as by every process), so tests use accounts and addresses of their own;
// TRUST_PROXY=1 lets a test speak from many addresses through X-Forwarded-For.
import { describe, expect, it } from 'vitest';
import { SIGN_IN_FAILURES_PER_ACCOUNT } from '../../src/auth/attempt-limits.js';
import { Attempt } from '../../src/auth/attempt.model.js';
import { User } from '../../src/users/user.model.js';
import { testApp } from '../support/app.js';
import { postSignIn, sessionCookieFrom } from '../support/auth.js';
import { DEFAULT_PASSWORD, makeUser } from '../support/factories.js';

const WINDOW_SECONDS = 15 * 60;

function expectLockedOut(res: { status: number; headers: Record<string, string>; text: string }) {
  expect(res.status).toBe(429);
  const retryAfter = res.headers['retry-after'];
  expect(retryAfter).toMatch(/^\d+$/);
  expect(Number(retryAfter)).toBeGreaterThan(0);
  expect(Number(retryAfter)).toBeLessThanOrEqual(WINDOW_SECONDS);
  expect(res.text).toContain('Too many failed sign-in attempts');
}

describe('per-account limit', () => {
  it('locks an account after 10 failures from any addresses, even against the right password', async () => {
    const { app, config } = testApp({ trustProxy: 1 });
    const user = await makeUser({ username: 'target', email: 'target@example.test' });
    for (let i = 0; i < 10; i++) {
      const res = await postSignIn(app, config, { identifier: 'target', password: `wrong guess ${i}`, ip: `203.0.113.${i + 1}` });
      expect(res.status).toBe(401);
    }
    const locked = await postSignIn(app, config, { identifier: 'target', password: DEFAULT_PASSWORD, ip: '198.51.100.7' });
    expectLockedOut(locked);
    expect(locked.headers['set-cookie'] ?? []).not.toEqual(expect.arrayContaining([expect.stringMatching(/^quire_session=[^;]/)]));
    // Refused before the password was checked: no sign-in was recorded.
    expect((await User.findById(user._id).lean())!.lastSignInAt).toBeUndefined();
    // Other accounts from the same addresses are unaffected.
    await makeUser({ username: 'bystander' });
    expect((await postSignIn(app, config, { identifier: 'bystander', password: DEFAULT_PASSWORD, ip: '203.0.113.1' })).status).toBe(303);
  });

  it('counts the email and the username of one account together', async () => {
    const { app, config } = testApp({ trustProxy: 1 });
    await makeUser({ username: 'twofaced', email: 'twofaced@example.test' });
    for (let i = 0; i < 10; i++) {
      const identifier = i % 2 ? 'TwoFaced@Example.test' : ' twofaced ';
      expect((await postSignIn(app, config, { identifier, password: 'wrong guess', ip: `203.0.113.${i + 1}` })).status).toBe(401);
    }
    expectLockedOut(await postSignIn(app, config, { identifier: 'twofaced@example.test', password: DEFAULT_PASSWORD, ip: '198.51.100.9' }));
  });

  it('limits unknown accounts the same way, so the limit does not reveal which accounts exist', async () => {
    const { app, config } = testApp({ trustProxy: 1 });
    for (let i = 0; i < 10; i++) {
      expect((await postSignIn(app, config, { identifier: 'no-such-user', password: 'guess', ip: `203.0.113.${i + 1}` })).status).toBe(401);
    }
    expectLockedOut(await postSignIn(app, config, { identifier: 'no-such-user', password: 'guess', ip: '198.51.100.1' }));
  });

  it('counts a burst of parallel guesses as they arrive, not after they are hashed', async () => {
    const { app, config } = testApp({ trustProxy: 1 });
    await makeUser({ username: 'burst' });
    const answers = await Promise.all(
      Array.from({ length: 16 }, (_, i) => postSignIn(app, config, { identifier: 'burst', password: `guess ${i}`, ip: `203.0.113.${i + 1}` })),
    );
    const statuses = answers.map((r) => r.status);
    // At most 10 failures, whatever the timing; the others are refused (the lockout, or hashing for this
    // account already busy: a few at once at most). A refusal does not count as a failure.
    const failed = statuses.filter((s) => s === 401).length;
    expect(failed).toBeGreaterThan(0);
    expect(failed).toBeLessThanOrEqual(10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(16 - failed);
    // Exactly 10 failures lock the account, however they arrived.
    for (let i = failed; i < 10; i++) {
      expect((await postSignIn(app, config, { identifier: 'burst', password: `late guess ${i}`, ip: `203.0.113.${i + 100}` })).status).toBe(401);
    }
    expectLockedOut(await postSignIn(app, config, { identifier: 'burst', password: DEFAULT_PASSWORD, ip: '203.0.113.150' }));
  });

  it('does not count successful sign-ins', async () => {
    const { app, config } = testApp();
    await makeUser({ username: 'regular' });
    for (let i = 0; i < 12; i++) {
      const res = await postSignIn(app, config, { identifier: 'regular', password: DEFAULT_PASSWORD });
      expect(res.status).toBe(303);
      sessionCookieFrom(res);
    }
  });
});

describe('per-address limit', () => {
  it('locks an address out after 30 failures across any accounts', async () => {
    const { app, config } = testApp({ trustProxy: 1 });
    await makeUser({ username: 'innocent' });
    for (let i = 0; i < 30; i++) {
      const res = await postSignIn(app, config, { identifier: `someone${i}`, password: 'guess', ip: '192.0.2.50' });
      expect(res.status).toBe(401);
    }
    expectLockedOut(await postSignIn(app, config, { identifier: 'innocent', password: DEFAULT_PASSWORD, ip: '192.0.2.50' }));
    // Another address may still sign in to the same account.
    expect((await postSignIn(app, config, { identifier: 'innocent', password: DEFAULT_PASSWORD, ip: '192.0.2.51' })).status).toBe(303);
  });

  it('adds up failures made through two apps on one database (two processes) into one lockout', async () => {
    // Two createApp() on the same database are what two Quire processes are: nothing in memory is shared.
    const a = testApp({ trustProxy: 1 });
    const b = testApp({ trustProxy: 1 });
    await makeUser({ username: 'shared' });
    for (let i = 0; i < 10; i++) {
      const through = i % 2 ? a : b;
      expect((await postSignIn(through.app, through.config, { identifier: 'shared', password: 'guess', ip: `198.51.100.${i + 20}` })).status).toBe(401);
    }
    expectLockedOut(await postSignIn(a.app, a.config, { identifier: 'shared', password: DEFAULT_PASSWORD, ip: '198.51.100.40' }));
    expectLockedOut(await postSignIn(b.app, b.config, { identifier: 'shared', password: DEFAULT_PASSWORD, ip: '198.51.100.41' }));
  });

  it('keeps the counters in the database, where a new app (a restarted process) finds them', async () => {
    const before = testApp({ trustProxy: 1 });
    const user = await makeUser({ username: 'restarted' });
    for (let i = 0; i < 10; i++) await postSignIn(before.app, before.config, { identifier: 'restarted', password: 'guess', ip: `198.51.100.${i + 60}` });
    expect(await Attempt.countDocuments({ key: `${SIGN_IN_FAILURES_PER_ACCOUNT.name}:user:${String(user._id)}` })).toBe(10);
    const after = testApp({ trustProxy: 1 });
    expectLockedOut(await postSignIn(after.app, after.config, { identifier: 'restarted', password: DEFAULT_PASSWORD, ip: '198.51.100.90' }));
  });
});
