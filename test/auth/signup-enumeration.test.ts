// Sign-up must not be a cheap oracle for "does this email have an account?": a refused sign-up (username
// or email taken) costs the same password hash as a successful one, and refused sign-ups are limited per
// address (10 an hour, 429 with Retry-After), in the database like every other attempt counter.
import { describe, expect, it } from 'vitest';
import { hashingStats } from '../../src/users/password.js';
import { User } from '../../src/users/user.model.js';
import { testApp } from '../support/app.js';
import { postAnonymous } from '../support/auth.js';
import { makeUser } from '../support/factories.js';

const { app, config } = testApp({ trustProxy: 1 });

let counter = 0;
function newAccount(overrides: Record<string, string> = {}) {
  counter++;
  return { username: `probe${counter}`, email: `probe${counter}@example.test`, displayName: `Probe ${counter}`, password: 'lantern orchard gravel tide', ...overrides };
}

/** Password hashes completed while `run` ran (nothing else hashes in this file meanwhile). */
async function hashesDuring(run: () => Promise<{ status: number }>): Promise<{ status: number; hashes: number }> {
  const before = hashingStats().completed;
  const res = await run();
  return { status: res.status, hashes: hashingStats().completed - before };
}

describe('sign-up enumeration', () => {
  it('spends one password hash on a taken email or username, as on a new account', async () => {
    const existing = await makeUser({ username: 'known', email: 'known@example.test' });
    const created = await hashesDuring(() => postAnonymous(app, config, '/signup', newAccount(), { ip: '198.51.100.70' }));
    expect(created).toEqual({ status: 303, hashes: 1 });
    for (const taken of [{ email: existing.email }, { username: existing.username }] as Array<Record<string, string>>) {
      const refused = await hashesDuring(() => postAnonymous(app, config, '/signup', newAccount(taken), { ip: '198.51.100.70' }));
      expect(refused).toEqual({ status: 422, hashes: 1 });
    }
  });

  it('refuses an 11th refused sign-up from one address within the hour (429, Retry-After), even for a new email', async () => {
    const existing = await makeUser({ username: 'victim', email: 'victim@example.test' });
    const ip = '203.0.113.70';
    for (let i = 0; i < 10; i++) {
      const res = await postAnonymous(app, config, '/signup', newAccount({ email: i % 2 ? existing.email : `x${i}@example.test`, username: i % 2 ? `fresh${i}` : existing.username }), { ip });
      expect(res.status).toBe(422);
    }
    const probe = newAccount();
    const refused = await postAnonymous(app, config, '/signup', probe, { ip });
    expect(refused.status).toBe(429);
    expect(refused.text).toContain('Too many refused sign-ups');
    const retryAfter = Number(refused.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(3600);
    // Refused before any work: no account.
    expect(await User.exists({ username: probe.username })).toBeNull();
    // Another address is unaffected.
    expect((await postAnonymous(app, config, '/signup', newAccount(), { ip: '203.0.113.71' })).status).toBe(303);
  });

  it('does not count form errors (nothing was checked against the accounts) toward that limit', async () => {
    const ip = '203.0.113.72';
    for (let i = 0; i < 12; i++) {
      expect((await postAnonymous(app, config, '/signup', newAccount({ email: 'not-an-email' }), { ip })).status).toBe(422);
    }
    expect((await postAnonymous(app, config, '/signup', newAccount(), { ip })).status).toBe(303);
  });
});
