// The session token: every forgery, expiry and revocation ends in an anonymous visitor, and the cookie
// that carried it is cleared.
import { createSecretKey } from 'node:crypto';
import jwt from 'jsonwebtoken';
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { deriveKeys } from '../../src/auth/keys.js';
import { signSession, verifySession } from '../../src/auth/session.js';
import { User } from '../../src/users/user.model.js';
import { TEST_SECRET, testApp } from '../support/app.js';
import { setCookieFor } from '../support/auth.js';
import { makeUser } from '../support/factories.js';
import { sessionFor } from '../support/session.js';

const { app, config } = testApp();
const key = deriveKeys(TEST_SECRET).session;

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** GET /account with this session token: 200 when it is accepted, 303 to sign-in when not. */
async function accountWith(token: string) {
  return request(app).get('/account').set('Cookie', `quire_session=${token}`);
}

async function expectRejected(token: string) {
  const res = await accountWith(token);
  expect(res.status).toBe(303);
  expect(res.headers.location).toBe('/signin?next=%2Faccount');
  expect(setCookieFor(res, 'quire_session')).toMatch(/^quire_session=;.*Expires=Thu, 01 Jan 1970/);
}

describe('session tokens', () => {
  let user: Awaited<ReturnType<typeof makeUser>>;
  let valid: string;
  beforeAll(async () => {
    user = await makeUser({ displayName: 'Token Holder' });
    valid = signSession({ sub: String(user._id), ver: 0 }, key);
  });

  it('accepts a token it signed', async () => {
    const res = await accountWith(valid);
    expect(res.status).toBe(200);
    expect(res.text).toContain('Token Holder');
  });

  it('carries HS256, issuer, audience, expiry and the token version', () => {
    const decoded = jwt.decode(valid, { complete: true })!;
    expect(decoded.header.alg).toBe('HS256');
    const payload = decoded.payload as jwt.JwtPayload;
    expect(payload).toMatchObject({ iss: 'quire', aud: 'quire-web', sub: String(user._id), ver: 0 });
    expect(payload.jti).toMatch(/^[\w-]{16}$/);
    expect(jwt.decode(signSession({ sub: String(user._id), ver: 0 }, key), { json: true })!.jti).not.toBe(payload.jti);
    expect(payload.exp! - payload.iat!).toBe(7 * 24 * 3600);
  });

  it('rejects a token whose payload was changed (a character flipped)', async () => {
    const [h, p, s] = valid.split('.') as [string, string, string];
    const flipped = p.slice(0, 10) + (p[10] === 'A' ? 'B' : 'A') + p.slice(11);
    await expectRejected(`${h}.${flipped}.${s}`);
    // A payload rewritten to another user, signature kept.
    const other = await makeUser();
    const forged = b64({ ...(jwt.decode(valid) as object), sub: String(other._id) });
    await expectRejected(`${h}.${forged}.${s}`);
  });

  it('rejects a token whose signature was changed', async () => {
    const [h, p, s] = valid.split('.') as [string, string, string];
    const flipped = (s[0] === 'A' ? 'B' : 'A') + s.slice(1);
    await expectRejected(`${h}.${p}.${flipped}`);
  });

  it('rejects an unsigned token (alg: none), with or without a trailing signature', async () => {
    const payload = b64(jwt.decode(valid) as object);
    for (const alg of ['none', 'None', 'NONE']) {
      const header = b64({ alg, typ: 'JWT' });
      await expectRejected(`${header}.${payload}.`);
      await expectRejected(`${header}.${payload}`);
    }
  });

  it('rejects a token signed with another key', async () => {
    const other = signSession({ sub: String(user._id), ver: 0 }, deriveKeys('another-secret-that-is-long-enough-0123456789').session);
    await expectRejected(other);
    // ... or with the app's secret itself rather than the derived session key.
    await expectRejected(signSession({ sub: String(user._id), ver: 0 }, createSecretKey(Buffer.from(TEST_SECRET))));
  });

  it('rejects a token signed with another algorithm, even with the right key (the algorithm is pinned)', async () => {
    const hs512 = jwt.sign({ ver: 0 }, key, { algorithm: 'HS512', subject: String(user._id), issuer: 'quire', audience: 'quire-web', expiresIn: 600, jwtid: 'an-id-of-16-char' });
    await expectRejected(hs512);
  });

  it('rejects a token without an id (it could not be revoked at sign-out)', async () => {
    await expectRejected(jwt.sign({ ver: 0 }, key, { algorithm: 'HS256', subject: String(user._id), issuer: 'quire', audience: 'quire-web', expiresIn: 600 }));
  });

  it('rejects an expired token', async () => {
    await expectRejected(signSession({ sub: String(user._id), ver: 0 }, key, -10));
  });

  it('rejects a correctly signed token that lives longer than a session, or was issued in the future', async () => {
    const now = Math.floor(Date.now() / 1000);
    const claims = (iat: number, exp: number) => ({ ver: 0, iat, exp, sub: String(user._id), iss: 'quire', aud: 'quire-web', jti: 'an-id-of-16-char' });
    const sign = (iat: number, exp: number) => jwt.sign(claims(iat, exp), key, { algorithm: 'HS256' });
    const week = 7 * 24 * 3600;
    // The same signing with Quire's own lifetime is accepted: only the dates differ.
    expect((await accountWith(sign(now, now + week))).status).toBe(200);
    expect((await accountWith(sign(now - 30, now + week - 30))).status).toBe(200);
    // A year-long token, and one a second longer than a week.
    await expectRejected(sign(now, now + 365 * 24 * 3600));
    await expectRejected(sign(now, now + week + 1));
    // Issued a year ago with a far-future expiry (alive by exp alone), or older than a session can be.
    await expectRejected(sign(now - 365 * 24 * 3600, now + 3600));
    await expectRejected(sign(now - week - 10, now + 3600));
    // Issued in the future, beyond a minute of clock skew (its week would start later than it should).
    await expectRejected(sign(now + 3600, now + 3600 + week));
    // No issue date at all.
    await expectRejected(jwt.sign({ ver: 0, exp: now + 600, sub: String(user._id), iss: 'quire', aud: 'quire-web', jti: 'an-id-of-16-char' }, key, { algorithm: 'HS256', noTimestamp: true }));
  });

  it('rejects a token for another issuer or audience', async () => {
    const base = { subject: String(user._id), expiresIn: 600, algorithm: 'HS256' as const, jwtid: 'an-id-of-16-char' };
    // The same token with the right issuer and audience is accepted: only those claims differ.
    expect((await accountWith(jwt.sign({ ver: 0 }, key, { ...base, issuer: 'quire', audience: 'quire-web' }))).status).toBe(200);
    await expectRejected(jwt.sign({ ver: 0 }, key, { ...base, issuer: 'elsewhere', audience: 'quire-web' }));
    await expectRejected(jwt.sign({ ver: 0 }, key, { ...base, issuer: 'quire', audience: 'elsewhere' }));
  });

  it('rejects malformed values without an error page', async () => {
    for (const junk of ['x', 'a.b.c', '..', 'e30.e30.e30']) await expectRejected(junk);
    expect(verifySession('', key)).toBeUndefined();
  });

  it('rejects a token of an older token version (a password change or "sign out everywhere" since)', async () => {
    const holder = await makeUser();
    const old = signSession({ sub: String(holder._id), ver: 0 }, key);
    expect((await accountWith(old)).status).toBe(200);
    await User.updateOne({ _id: holder._id }, { $inc: { tokenVersion: 1 } });
    await expectRejected(old);
    expect((await accountWith(signSession({ sub: String(holder._id), ver: 1 }, key))).status).toBe(200);
  });

  it('ends a live session on the next request once the account is suspended, or deleted', async () => {
    const holder = await makeUser();
    const token = signSession({ sub: String(holder._id), ver: 0 }, key);
    expect((await accountWith(token)).status).toBe(200);
    await User.updateOne({ _id: holder._id }, { $set: { status: 'suspended' } });
    await expectRejected(token);
    await User.deleteOne({ _id: holder._id });
    await expectRejected(token);
  });
});

describe('the current user is read fresh on every request', () => {
  it('applies a role change on the next request', async () => {
    const reader = await makeUser({ role: 'reader', displayName: 'Soon Admin' });
    const s = sessionFor(reader, config);
    const before = await request(app).get('/').set('Cookie', s.cookie);
    expect(before.text).not.toContain('href="/admin"');
    await User.updateOne({ _id: reader._id }, { $set: { role: 'admin', displayName: 'Now Admin' } });
    const after = await request(app).get('/').set('Cookie', s.cookie);
    expect(after.text).toContain('href="/admin"');
    expect(after.text).toContain('Now Admin');
  });
});
