// Brute force: failed sign-ins are limited per account and per client address; past the limit, 429 with
// Retry-After, checked before any password is hashed. Each test builds its own app (its own counters);
// TRUST_PROXY=1 lets a test speak from many addresses through X-Forwarded-For.
import { describe, expect, it } from 'vitest';
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
    expect(statuses.filter((s) => s === 401)).toHaveLength(10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(6);
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

  it('keeps counters per app, so apps (and test files) do not share them', async () => {
    const first = testApp();
    const second = testApp();
    await makeUser({ username: 'isolated' });
    for (let i = 0; i < 10; i++) await postSignIn(first.app, first.config, { identifier: 'isolated', password: 'guess' });
    expect((await postSignIn(first.app, first.config, { identifier: 'isolated', password: DEFAULT_PASSWORD })).status).toBe(429);
    expect((await postSignIn(second.app, second.config, { identifier: 'isolated', password: DEFAULT_PASSWORD })).status).toBe(303);
  });
});
