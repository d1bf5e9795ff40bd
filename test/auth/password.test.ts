// Password storage at the real cost: scrypt N=2^17, r=8, p=1 (OWASP's minimum), its parameters stored with
// the hash, and older hashes upgraded at the next sign-in. The rest of the suite runs at 2^10
// (PASSWORD_HASH_LOG2N in vitest.config.ts); here the cost is the one a production configuration gives.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  OWASP_MIN_COST,
  burnEquivalentTime,
  hashCost,
  hashPassword,
  setHashCostForTests,
  useConfiguredHashCost,
  verifyPassword,
  type ScryptCost,
} from '../../src/users/password.js';
import { loadConfig } from '../../src/config.js';
import { ServiceUnavailable } from '../../src/http/errors.js';
import { User } from '../../src/users/user.model.js';
import { testApp } from '../support/app.js';
import { postSignIn } from '../support/auth.js';
import { makeUser } from '../support/factories.js';

const FORMAT = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([\w-]{22})\$([\w-]{43})$/;
const TEST_COST: ScryptCost = { log2N: 10, r: 8, p: 1 };

describe('at the default cost', () => {
  let testCost: ScryptCost;
  beforeAll(() => {
    testCost = hashCost();
    // What server.ts does with a production configuration that does not set PASSWORD_HASH_LOG2N.
    useConfiguredHashCost(loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(40) }).passwordHashLog2N);
  });
  afterAll(() => setHashCostForTests(testCost));

  it("is at least OWASP's minimum for scrypt", () => {
    expect(hashCost()).toEqual(OWASP_MIN_COST);
    expect(OWASP_MIN_COST.log2N).toBeGreaterThanOrEqual(17);
    expect(OWASP_MIN_COST.r).toBeGreaterThanOrEqual(8);
    expect(OWASP_MIN_COST.p).toBeGreaterThanOrEqual(1);
  });

  // One hash and one verification at the real cost (each about 0.5 s of CPU, far more on a busy machine);
  // the salt and the refusal of a wrong password do not depend on the cost and are checked at 2^10.
  it('stores scrypt$17$8$1$<salt>$<hash> with a fresh 16-byte salt each time, and verifies it', async () => {
    const a = await hashPassword('lantern orchard gravel tide');
    const [, n, r, p, salt] = FORMAT.exec(a)!;
    expect([n, r, p]).toEqual(['17', '8', '1']);
    expect(Buffer.from(salt!, 'base64url')).toHaveLength(16);
    expect(await verifyPassword('lantern orchard gravel tide', a)).toEqual({ ok: true, needsRehash: false });

    const [c, d] = [await hashPassword('lantern orchard gravel tide', TEST_COST), await hashPassword('lantern orchard gravel tide', TEST_COST)];
    expect(Buffer.from(FORMAT.exec(c)![4]!, 'base64url')).toHaveLength(16);
    expect(FORMAT.exec(c)![4]).not.toBe(FORMAT.exec(d)![4]);
    expect(c).not.toBe(d);
    expect((await verifyPassword('lantern orchard gravel tidE', c)).ok).toBe(false);
  });

  it('upgrades a hash made at a lower cost on the next successful sign-in, and only then', async () => {
    const { app, config } = testApp();
    const password = 'quiet harbour lamplight';
    setHashCostForTests(TEST_COST);
    const user = await makeUser({ username: 'oldhash', password });
    setHashCostForTests(OWASP_MIN_COST);
    const before = (await User.findById(user._id).lean())!.passwordHash;
    expect(before).toMatch(/^scrypt\$10\$8\$1\$/);

    expect((await postSignIn(app, config, { identifier: 'oldhash', password: 'not it at all' })).status).toBe(401);
    expect((await User.findById(user._id).lean())!.passwordHash).toBe(before);

    expect((await postSignIn(app, config, { identifier: 'oldhash', password })).status).toBe(303);
    const after = (await User.findById(user._id).lean())!.passwordHash;
    expect(after).toMatch(/^scrypt\$17\$8\$1\$/);
    // The upgraded hash verifies (303) and needs no rehash (kept as it is): what verifyPassword(password,
    // after) would say, proven by the sign-in itself instead of one more hash at the real cost.
    expect((await postSignIn(app, config, { identifier: 'oldhash', password })).status).toBe(303);
    expect((await User.findById(user._id).lean())!.passwordHash).toBe(after);
  });
});

describe('hash parsing and the bounded queue', () => {
  it('refuses stored values that are not a well-formed scrypt hash', async () => {
    for (const stored of ['', 'plain', 'sha256$abc', 'scrypt$17$8$1$salt', 'scrypt$99$8$1$c2FsdA$aGFzaA', 'scrypt$x$8$1$c2FsdA$aGFzaA']) {
      expect(await verifyPassword('anything', stored)).toEqual({ ok: false, needsRehash: false });
    }
  });

  it('says a hash below the current cost needs rehashing once the password is proven', async () => {
    const low = await hashPassword('lantern orchard gravel tide', { log2N: 9, r: 8, p: 1 });
    expect(await verifyPassword('lantern orchard gravel tide', low)).toEqual({ ok: true, needsRehash: true });
    expect(await verifyPassword('wrong', low)).toEqual({ ok: false, needsRehash: false });
  });

  it('spends a hash on unknown accounts too (burnEquivalentTime completes a verification)', async () => {
    await expect(burnEquivalentTime('whatever')).resolves.toBeUndefined();
  });

  it('runs hashes one at a time with a short queue, and tells the overflow to retry (503) instead of piling up', async () => {
    const attempts = Array.from({ length: 40 }, () => hashPassword('lantern orchard gravel tide').then(
      () => 'hashed',
      (err: unknown) => (err instanceof ServiceUnavailable ? 'busy' : 'other'),
    ));
    const outcomes = await Promise.all(attempts);
    expect(outcomes.filter((o) => o === 'other')).toHaveLength(0);
    // One running plus a queue of 32: the other 7 are turned away at once.
    expect(outcomes.filter((o) => o === 'hashed')).toHaveLength(33);
    expect(outcomes.filter((o) => o === 'busy')).toHaveLength(7);
    // The slots are all given back: the next hash runs.
    await expect(hashPassword('lantern orchard gravel tide')).resolves.toMatch(FORMAT);
  });
});
