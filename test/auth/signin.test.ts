import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mongoose from 'mongoose';
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { WRONG_CREDENTIALS } from '../../src/auth/auth.router.js';
import { loadConfig } from '../../src/config.js';
import { User } from '../../src/users/user.model.js';
import { TEST_SECRET, testApp } from '../support/app.js';
import { postAnonymous, postSignIn, sessionCookieFrom, setCookieFor, withoutTokens } from '../support/auth.js';
import { DEFAULT_PASSWORD, makeUser } from '../support/factories.js';
import { anonymousSession, sessionFor, withSessionCookie } from '../support/session.js';

const { app, config } = testApp();

describe('sign-in', () => {
  let ada: Awaited<ReturnType<typeof makeUser>>;
  beforeAll(async () => {
    ada = await makeUser({ username: 'ada', email: 'ada@example.test', displayName: 'Ada Lovelace' });
  });

  it('shows the form with a CSRF token, never cached', async () => {
    const res = await request(app).get('/signin');
    expect(res.status).toBe(200);
    expect(res.text).toMatch(/<form method="post" action="\/signin"/);
    expect(res.text).toMatch(/name="_csrf" value="[\w-]{20,}"/);
    expect(res.text).toContain('autocomplete="current-password"');
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('signs in by email, then by username (any case), setting the session cookie and lastSignInAt', async () => {
    const byEmail = await postSignIn(app, config, { identifier: 'ADA@example.test', password: DEFAULT_PASSWORD });
    expect(byEmail.status).toBe(303);
    expect(byEmail.headers.location).toBe('/');
    const cookie = sessionCookieFrom(byEmail);
    const home = await request(app).get('/account').set('Cookie', cookie);
    expect(home.status).toBe(200);
    expect(home.text).toContain('Ada Lovelace');

    const byUsername = await postSignIn(app, config, { identifier: ' Ada ', password: DEFAULT_PASSWORD });
    expect(byUsername.status).toBe(303);
    sessionCookieFrom(byUsername);
    const stored = await User.findById(ada._id).lean();
    expect(stored!.lastSignInAt).toBeInstanceOf(Date);
    expect(Date.now() - stored!.lastSignInAt!.getTime()).toBeLessThan(60_000);
  });

  it('sets the cookie HttpOnly, SameSite=Lax, Path=/, and not Secure on plain http', async () => {
    const res = await postSignIn(app, config, { identifier: 'ada', password: DEFAULT_PASSWORD });
    const line = setCookieFor(res, 'quire_session')!;
    expect(line).toMatch(/; HttpOnly/i);
    expect(line).toMatch(/; SameSite=Lax/i);
    expect(line).toMatch(/; Path=\//);
    expect(line).toMatch(/; Expires=/);
    expect(line).not.toMatch(/; Secure/i);
  });

  it('sets the cookie Secure when cookies must be secure (production, or an https SITE_URL)', async () => {
    // The configuration as loaded from an environment with an https SITE_URL.
    const https = loadConfig({ SITE_URL: 'https://quire.test', JWT_SECRET: TEST_SECRET, DATA_DIR: mkdtempSync(join(tmpdir(), 'quire-https-')) });
    expect(https.secureCookies).toBe(true);
    const secure = testApp({ siteUrl: https.siteUrl, secureCookies: https.secureCookies });
    const form = await request(secure.app).get('/signin');
    // Secure, and __Host- prefixed: no subdomain or plain-http page can set or overwrite it.
    expect(setCookieFor(form, 'quire_csrf')).toBeUndefined();
    expect(setCookieFor(form, '__Host-quire_csrf')).toMatch(/; Secure/i);
    expect(setCookieFor(form, '__Host-quire_csrf')).toMatch(/; Path=\/(;|$)/);
    expect(setCookieFor(form, '__Host-quire_csrf')).not.toMatch(/; Domain=/i);
    const res = await postSignIn(secure.app, secure.config, { identifier: 'ada', password: DEFAULT_PASSWORD });
    expect(res.status).toBe(303);
    const line = setCookieFor(res, 'quire_session')!;
    expect(line).toMatch(/; Secure/i);
    expect(line).toMatch(/; HttpOnly/i);
    expect(line).toMatch(/; SameSite=Lax/i);
  });

  it('starts a new CSRF secret with the new session', async () => {
    const browser = anonymousSession(config);
    const res = await request(app)
      .post('/signin')
      .type('form')
      .set('Cookie', browser.cookie)
      .send({ _csrf: browser.csrf, identifier: 'ada', password: DEFAULT_PASSWORD });
    expect(res.status).toBe(303);
    const renewed = setCookieFor(res, 'quire_csrf');
    expect(renewed).toMatch(/^quire_csrf=[\w-]{43}\.[\w-]{43};/);
    expect(renewed).not.toContain(browser.cookie.split('=')[1]);
  });

  it('answers a wrong password and an unknown account identically: 401, same page, one generic message', async () => {
    const wrong = await postSignIn(app, config, { identifier: 'ada', password: 'not the right password' });
    const unknown = await postSignIn(app, config, { identifier: 'nobody', password: 'not the right password' });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.text).toContain(WRONG_CREDENTIALS);
    expect(withoutTokens(wrong.text).replace('value="ada"', 'value="X"')).toBe(
      withoutTokens(unknown.text).replace('value="nobody"', 'value="X"'),
    );
    expect(setCookieFor(wrong, 'quire_session')).toBeUndefined();
    expect(setCookieFor(unknown, 'quire_session')).toBeUndefined();
    expect(Object.keys(wrong.headers).sort()).toEqual(Object.keys(unknown.headers).sort());
    // The identifier is kept, the password never echoed.
    expect(wrong.text).toContain('value="ada"');
    expect(wrong.text).not.toContain('not the right password');
  });

  it('answers an unknown email the same way as an unknown username', async () => {
    const res = await postSignIn(app, config, { identifier: 'ghost@example.test', password: DEFAULT_PASSWORD });
    expect(res.status).toBe(401);
    expect(res.text).toContain(WRONG_CREDENTIALS);
  });

  it('tells a suspended account so only after the right password, and never signs it in', async () => {
    await makeUser({ username: 'sus', status: 'suspended' });
    const wrong = await postSignIn(app, config, { identifier: 'sus', password: 'not the right password' });
    expect(wrong.status).toBe(401);
    expect(wrong.text).toContain(WRONG_CREDENTIALS);
    expect(wrong.text).not.toMatch(/suspended/i);
    const right = await postSignIn(app, config, { identifier: 'sus', password: DEFAULT_PASSWORD });
    expect(right.status).toBe(403);
    expect(right.text).toMatch(/suspended/i);
    expect(setCookieFor(right, 'quire_session')).toBeUndefined();
  });

  it('checks the password in the form it was hashed in (NFKC): any Unicode spelling of it signs in, as typed at sign-up', async () => {
    const signedUp = await postAnonymous(app, config, '/signup', {
      username: 'unicoder',
      email: 'unicoder@example.test',
      displayName: 'Uni Coder',
      // Fullwidth letters and a decomposed "é" (e + combining acute).
      password: 'ｌａｎｔｅｒｎ cafe\u0301 ｇｒａｖｅｌ',
    });
    expect(signedUp.status).toBe(303);
    for (const spelling of ['lantern café gravel', 'lantern cafe\u0301 gravel', 'ｌａｎｔｅｒｎ ｃａｆé ｇｒａｖｅｌ']) {
      expect((await postSignIn(app, config, { identifier: 'unicoder', password: spelling })).status, spelling).toBe(303);
    }
    expect((await postSignIn(app, config, { identifier: 'unicoder', password: 'lantern cafe gravel' })).status).toBe(401);
  });

  it('answers 422 with the form again for empty fields', async () => {
    const res = await postSignIn(app, config, { identifier: '', password: '' });
    expect(res.status).toBe(422);
    expect(res.text).toContain('Enter your email or username.');
    expect(res.text).toContain('Enter your password.');
  });

  it('sends a signed-in visitor from /signin and /signup to the home page', async () => {
    const s = sessionFor(ada, config);
    for (const path of ['/signin', '/signup']) {
      const res = await request(app).get(path).set('Cookie', s.cookie);
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe('/');
    }
  });
});

describe('operator injection never reaches a query', () => {
  beforeAll(async () => {
    await makeUser({ username: 'victim', email: 'victim@example.test' });
  });

  it('refuses bracketed operator fields in a form (422, no session)', async () => {
    const s = anonymousSession(config);
    const res = await request(app)
      .post('/signin')
      .type('form')
      .set('Cookie', s.cookie)
      .send(`_csrf=${encodeURIComponent(s.csrf)}&identifier[$ne]=x&password[$ne]=x&email[$ne]=x`);
    expect(res.status).toBe(422);
    expect(setCookieFor(res, 'quire_session')).toBeUndefined();
  });

  it('refuses operator objects in a JSON body (422, no session)', async () => {
    const s = anonymousSession(config);
    const res = await request(app)
      .post('/signin')
      .set('Cookie', s.cookie)
      .set('x-csrf-token', s.csrf)
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ identifier: { $gt: '' }, password: { $gt: '' } }));
    expect(res.status).toBe(422);
    expect(setCookieFor(res, 'quire_session')).toBeUndefined();
  });

  it('has Mongoose sanitizeFilter as a second wall: an operator object in a filter is a literal, never an operator', async () => {
    expect(mongoose.get('sanitizeFilter')).toBe(true);
    // Wrapped in $eq, the object cannot be cast to a string: the query is refused instead of matching everyone.
    await expect(User.findOne({ email: { $gt: '' } }).lean()).rejects.toThrow(/Cast to string failed/);
    await expect(User.findOne({ username: { $ne: 'nobody' } }).lean()).rejects.toThrow(/Cast to string failed/);
    // Operators written on purpose go through mongoose.trusted().
    expect(await User.findOne({ username: mongoose.trusted({ $ne: 'nobody' }) }).lean()).not.toBeNull();
  });
});

describe('redirect after sign-in', () => {
  beforeAll(async () => {
    await makeUser({ username: 'nexter' });
  });

  it('keeps ?next= in the form and follows a same-site path', async () => {
    const page = await request(app).get('/signin?next=%2Faccount%3Ftab%3D1');
    expect(page.text).toContain('name="next" value="/account?tab=1"');
    const res = await postSignIn(app, config, { identifier: 'nexter', password: DEFAULT_PASSWORD, next: '/account?tab=1' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/account?tab=1');
  });

  for (const evil of [
    '//evil.example',
    'https://evil.example',
    '/\\evil.example',
    '\\\\evil.example',
    '/\t/evil.example',
    'javascript:alert(1)',
    'http:/evil.example',
    '///evil.example',
    // Paths that only become another host once a URL parser removes their dot segments.
    '/././/evil.example',
    '/a/..//evil.example',
    '/%2e%2e//evil.example',
    '/.%2E//evil.example',
  ]) {
    it(`never leaves the site for next=${JSON.stringify(evil)}`, async () => {
      const res = await postSignIn(app, config, { identifier: 'nexter', password: DEFAULT_PASSWORD, next: evil });
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe('/');
      const page = await request(app).get(`/signin?next=${encodeURIComponent(evil)}`);
      expect(page.status).toBe(200);
      expect(page.text).toContain('name="next" value="/"');
    });
  }
});

describe('sign-out', () => {
  it('clears the session cookie and goes home', async () => {
    const user = await makeUser();
    const s = sessionFor(user, config);
    const res = await request(app).post('/signout').type('form').set('Cookie', s.cookie).send({ _csrf: s.csrf });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/');
    expect(setCookieFor(res, 'quire_session')).toMatch(/^quire_session=;.*Expires=Thu, 01 Jan 1970.*HttpOnly/);
  });

  it('ends the token on the server too: a copy of the cookie no longer signs in, other devices stay signed in', async () => {
    const user = await makeUser({ username: 'leaver' });
    const laptop = sessionCookieFrom(await postSignIn(app, config, { identifier: 'leaver', password: DEFAULT_PASSWORD }));
    const phone = sessionCookieFrom(await postSignIn(app, config, { identifier: 'leaver', password: DEFAULT_PASSWORD }));
    const browser = withSessionCookie(laptop, config);
    const out = await request(app).post('/signout').type('form').set('Cookie', browser.cookie).send({ _csrf: browser.csrf });
    expect(out.status).toBe(303);
    // Someone who copied the laptop's cookie before the sign-out:
    const copied = await request(app).get('/account').set('Cookie', laptop);
    expect(copied.status).toBe(303);
    expect(copied.headers.location).toMatch(/^\/signin/);
    expect((await request(app).get('/account').set('Cookie', phone)).status).toBe(200);
    expect((await User.findById(user._id).lean())!.revokedSessions).toHaveLength(1);
  });

  it('keeps only unexpired revocations, and a new password or "sign out everywhere" empties the list', async () => {
    const user = await makeUser({ username: 'tidy' });
    await User.updateOne({ _id: user._id }, { $set: { revokedSessions: [{ jti: 'long-gone', expiresAt: new Date(Date.now() - 1000) }] } });
    const cookie = sessionCookieFrom(await postSignIn(app, config, { identifier: 'tidy', password: DEFAULT_PASSWORD }));
    const browser = withSessionCookie(cookie, config);
    await request(app).post('/signout').type('form').set('Cookie', browser.cookie).send({ _csrf: browser.csrf });
    const listed = (await User.findById(user._id).lean())!.revokedSessions;
    expect(listed.map((r) => r.jti)).not.toContain('long-gone');
    expect(listed).toHaveLength(1);

    const s = sessionFor(user, config);
    await request(app).post('/account/signout-everywhere').type('form').set('Cookie', s.cookie).send({ _csrf: s.csrf });
    expect((await User.findById(user._id).lean())!.revokedSessions).toHaveLength(0);
  });
});
