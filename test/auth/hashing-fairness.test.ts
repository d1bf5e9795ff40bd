// Sign-in cannot be denied to everyone: hashing is bounded per client address and per account (429 with
// Retry-After beyond a few at once, never a queue slot), the queue serves addresses round-robin, and every
// checked sign-in, successes included, counts toward a generous per-address rate. Successes never count
// as failures, so people behind one NAT do not lock each other out with correct passwords.
import { ipKeyGenerator } from 'express-rate-limit';
import { describe, expect, it } from 'vitest';
import { SIGN_IN_FAILURES_PER_ADDRESS, SIGN_INS_PER_ADDRESS } from '../../src/auth/attempt-limits.js';
import { Attempt } from '../../src/auth/attempt.model.js';
import { hashPassword } from '../../src/users/password.js';
import { ServiceUnavailable, TooManyRequests } from '../../src/http/errors.js';
import { WorkLimit } from '../../src/http/work-limit.js';
import { User } from '../../src/users/user.model.js';
import { testApp } from '../support/app.js';
import { postSignIn } from '../support/auth.js';
import { DEFAULT_PASSWORD, makeUser } from '../support/factories.js';

/** A user whose password takes real work to check (2^13: tens of milliseconds), as in production. */
async function slowUser(username: string) {
  const user = await makeUser({ username });
  await User.updateOne({ _id: user._id }, { $set: { passwordHash: await hashPassword(DEFAULT_PASSWORD, { log2N: 13, r: 8, p: 1 }) } });
  return user;
}

describe('a flood of correct sign-ins from one address', () => {
  it('gets 429s (not the queue) while the admin signs in from elsewhere, and locks nobody out', async () => {
    const { app, config } = testApp({ trustProxy: 1 });
    await makeUser({ username: 'theadmin', role: 'admin' });
    const crowd = await Promise.all(Array.from({ length: 8 }, (_, i) => slowUser(`natuser${i}`)));
    const NAT = '203.0.113.200';

    const flood = Array.from({ length: 48 }, (_, i) => postSignIn(app, config, { identifier: crowd[i % 8]!.username, password: DEFAULT_PASSWORD, ip: NAT }));
    // Once the flood is answering, every request of it has arrived: the admin comes after all of them.
    await Promise.race(flood);
    const admin = await postSignIn(app, config, { identifier: 'theadmin', password: DEFAULT_PASSWORD, ip: '198.51.100.200' });
    expect(admin.status).toBe(303);

    const answers = await Promise.all(flood);
    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((s) => s !== 303 && s !== 429)).toEqual([]);
    expect(statuses).toContain(303);
    expect(statuses).toContain(429);
    for (const busy of answers.filter((r) => r.status === 429)) expect(Number(busy.headers['retry-after'])).toBeGreaterThan(0);

    // Successes and "busy" answers are not failures: every user behind the NAT still signs in, and one
    // wrong password afterwards is the address's only failure on record.
    for (const user of crowd) expect((await postSignIn(app, config, { identifier: user.username, password: DEFAULT_PASSWORD, ip: NAT })).status).toBe(303);
    expect((await postSignIn(app, config, { identifier: crowd[0]!.username, password: 'a typo', ip: NAT })).status).toBe(401);
    expect(await Attempt.countDocuments({ key: `${SIGN_IN_FAILURES_PER_ADDRESS.name}:${NAT}` })).toBe(1);
  });

  it('holds per account too: parallel sign-ins to one account from many addresses get 429s beyond a few', async () => {
    const { app, config } = testApp({ trustProxy: 1 });
    await slowUser('popular');
    const answers = await Promise.all(
      Array.from({ length: 24 }, (_, i) => postSignIn(app, config, { identifier: 'popular', password: DEFAULT_PASSWORD, ip: `192.0.2.${100 + i}` })),
    );
    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((s) => s !== 303 && s !== 429)).toEqual([]);
    expect(statuses).toContain(429);
  });
});

describe('the per-address rate of all sign-ins', () => {
  it('counts successful sign-ins (not as failures), and refuses past 300 in the window', async () => {
    const { app, config } = testApp({ trustProxy: 1 });
    await makeUser({ username: 'busybee' });
    const ip = '203.0.113.201';
    for (let i = 0; i < 3; i++) expect((await postSignIn(app, config, { identifier: 'busybee', password: DEFAULT_PASSWORD, ip })).status).toBe(303);
    expect((await postSignIn(app, config, { identifier: 'busybee', password: 'a typo', ip })).status).toBe(401);
    const key = `${SIGN_INS_PER_ADDRESS.name}:${ipKeyGenerator(ip)}`;
    expect(await Attempt.countDocuments({ key })).toBe(4);
    expect(await Attempt.countDocuments({ key: `${SIGN_IN_FAILURES_PER_ADDRESS.name}:${ip}` })).toBe(1);

    // The rest of the 300, as other processes on this database would have counted them.
    const now = Date.now();
    await Attempt.insertMany(Array.from({ length: SIGN_INS_PER_ADDRESS.limit - 4 }, () => ({ key, at: new Date(now), expiresAt: new Date(now + SIGN_INS_PER_ADDRESS.windowMs) })));
    const refused = await postSignIn(app, config, { identifier: 'busybee', password: DEFAULT_PASSWORD, ip });
    expect(refused.status).toBe(429);
    expect(refused.text).toContain('Too many sign-ins from your network');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect((await postSignIn(app, config, { identifier: 'busybee', password: DEFAULT_PASSWORD, ip: '203.0.113.202' })).status).toBe(303);
  });
});

describe('the fair work queue', () => {
  function gate() {
    let open!: () => void;
    const opened = new Promise<void>((resolve) => (open = resolve));
    return { open, opened };
  }

  it('serves lanes round-robin and turns a key past its share away with 429, the queue with 503', async () => {
    const limit = new WorkLimit({ concurrency: 1, maxWaiting: 4, busyMessage: 'busy', maxPerKey: 3 });
    const order: string[] = [];
    const first = gate();
    const job = (name: string, wait?: Promise<void>) => async () => {
      order.push(name);
      await wait;
    };
    const a1 = limit.run(job('a1', first.opened), ['a']);
    const a2 = limit.run(job('a2'), ['a']);
    const a3 = limit.run(job('a3'), ['a']);
    // A fourth job for key "a" is not queued at all.
    await expect(limit.run(job('a4'), ['a'])).rejects.toBeInstanceOf(TooManyRequests);
    const b1 = limit.run(job('b1'), ['b']);
    const c1 = limit.run(job('c1'), ['c']);
    // Four waiting (a2, a3, b1, c1): the queue is full for anyone.
    await expect(limit.run(job('d1'), ['d'])).rejects.toBeInstanceOf(ServiceUnavailable);
    first.open();
    await Promise.all([a1, a2, a3, b1, c1]);
    // After a1: one of lane a, then b and c each before a's second waiting job.
    expect(order).toEqual(['a1', 'a2', 'b1', 'c1', 'a3']);
    // Every slot was given back.
    await expect(limit.run(async () => 'ran', ['a'])).resolves.toBe('ran');
  });
});
