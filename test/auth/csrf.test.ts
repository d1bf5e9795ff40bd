// Every state-changing account route refuses a missing or wrong CSRF token with 403, anonymous forms
// included, before doing anything.
import jwt from 'jsonwebtoken';
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { deriveKeys } from '../../src/auth/keys.js';
import { csrfTokenFor, mintCsrfSecret } from '../../src/http/csrf.js';
import { User } from '../../src/users/user.model.js';
import { testApp } from '../support/app.js';
import { sessionCookieFrom, setCookieFor } from '../support/auth.js';
import { DEFAULT_PASSWORD, makeUser } from '../support/factories.js';
import { anonymousSession, cookiesFrom, csrfFromHtml, sessionFor, type TestSession } from '../support/session.js';

const { app, config } = testApp();

type Case = { path: string; body: Record<string, string>; signedIn: boolean };
const cases: Case[] = [
  { path: '/signin', body: { identifier: 'csrfuser', password: DEFAULT_PASSWORD }, signedIn: false },
  { path: '/signup', body: { username: 'newbie', email: 'newbie@example.test', displayName: 'Newbie', password: 'lantern orchard gravel tide' }, signedIn: false },
  { path: '/setup', body: { username: 'boss', email: 'boss@example.test', displayName: 'Boss', password: 'lantern orchard gravel tide' }, signedIn: false },
  { path: '/signout', body: {}, signedIn: true },
  { path: '/account', body: { displayName: 'Changed', email: 'changed@example.test', bio: '' }, signedIn: true },
  { path: '/account/password', body: { currentPassword: DEFAULT_PASSWORD, newPassword: 'lantern orchard gravel tide' }, signedIn: true },
  { path: '/account/signout-everywhere', body: {}, signedIn: true },
  { path: '/account/avatar/delete', body: {}, signedIn: true },
];

describe('CSRF on account forms', () => {
  let user: Awaited<ReturnType<typeof makeUser>>;
  let signedIn: TestSession;
  beforeAll(async () => {
    user = await makeUser({ username: 'csrfuser', displayName: 'Csrf User' });
    signedIn = sessionFor(user, config);
  });

  for (const c of cases) {
    it(`POST ${c.path}: 403 without a token, with a wrong one, and with another browser's`, async () => {
      const s = c.signedIn ? signedIn : anonymousSession(config);
      const other = anonymousSession(config);
      const post = () => request(app).post(c.path).type('form').set('Cookie', s.cookie);
      const flipped = s.csrf.replace(/.$/, (ch) => (ch === 'A' ? 'B' : 'A'));
      const answers = [
        await post().send(c.body),
        await post().send({ ...c.body, _csrf: 'forged' }),
        await post().send({ ...c.body, _csrf: other.csrf }),
        await post().set('x-csrf-token', flipped).send(c.body),
      ];
      for (const res of answers) {
        expect(res.status).toBe(403);
        expect(setCookieFor(res, 'quire_session')).toBeUndefined();
      }
    });
  }

  it('nothing changed behind the refusals', async () => {
    const stored = await User.findById(user._id).lean();
    expect(stored).toMatchObject({ displayName: 'Csrf User', tokenVersion: 0 });
    expect(await User.exists({ username: 'newbie' })).toBeNull();
    expect(await User.exists({ username: 'boss' })).toBeNull();
    // The signed-in session still works.
    expect((await request(app).get('/account').set('Cookie', signedIn.cookie)).status).toBe(200);
  });

  it('refuses the avatar upload without the token in its query (multipart)', async () => {
    const res = await request(app)
      .post('/account/avatar')
      .set('Cookie', signedIn.cookie)
      .attach('avatar', Buffer.from('not really an image'), 'a.png');
    expect(res.status).toBe(403);
  });

  it('accepts the token in the header for scripts', async () => {
    const s = anonymousSession(config);
    const res = await request(app)
      .post('/signin')
      .set('Cookie', s.cookie)
      .set('x-csrf-token', s.csrf)
      .type('form')
      .send({ identifier: 'csrfuser', password: DEFAULT_PASSWORD });
    expect(res.status).toBe(303);
  });
});

describe('CSRF tokens are bound to the session and to secrets the server minted', () => {
  const key = deriveKeys(config.jwtSecret).csrf;
  let user: Awaited<ReturnType<typeof makeUser>>;
  beforeAll(async () => {
    user = await makeUser({ username: 'bound', displayName: 'Bound User' });
  });

  /** POST /account (a profile edit) with these cookies and this token. */
  const editProfile = (cookie: string, csrf: string, headers: Record<string, string> = {}) =>
    request(app).post('/account').type('form').set('Cookie', cookie).set(headers).send({ _csrf: csrf, displayName: 'Bound User', email: 'bound@example.test', bio: '' });

  it('accepts a token only for the session it was made for (another session, or anonymous, gets 403)', async () => {
    const mine = sessionFor(user, config);
    expect((await editProfile(mine.cookie, mine.csrf)).status).toBe(303);
    const secret = /quire_csrf=([^;]+)/.exec(mine.cookie)![1]!;
    const sessionCookie = mine.cookie.split('; ')[0]!;
    // The same cookie secret, with the token made for anonymous use or for another session of the same user.
    const other = /quire_session=([^;]+)/.exec(sessionFor(user, config).cookie)![1]!;
    const otherJti = jwt.decode(other, { json: true })!.jti as string;
    expect((await editProfile(mine.cookie, csrfTokenFor(key, secret, undefined))).status).toBe(403);
    expect((await editProfile(mine.cookie, csrfTokenFor(key, secret, otherJti))).status).toBe(403);
    // ... and a signed-in browser's token sent by an anonymous one with the same secret.
    const anonymous = await request(app)
      .post('/signin')
      .type('form')
      .set('Cookie', `quire_csrf=${secret}`)
      .send({ _csrf: mine.csrf, identifier: 'bound', password: DEFAULT_PASSWORD });
    expect(anonymous.status).toBe(403);
    // The session itself is fine: its own token is accepted again.
    expect((await editProfile(`${sessionCookie}; quire_csrf=${secret}`, mine.csrf)).status).toBe(303);
  });

  it('ignores cookie secrets the server did not mint, even with a matching token', async () => {
    const mine = sessionFor(user, config);
    const sessionCookie = mine.cookie.split('; ')[0]!;
    const jti = jwt.decode(/quire_session=([^;]+)/.exec(sessionCookie)![1]!, { json: true })!.jti as string;
    const minted = mintCsrfSecret(key);
    const [random] = minted.split('.') as [string];
    const forgedSignature = mintCsrfSecret(key).split('.')[1]!;
    for (const secret of [`${random}.${forgedSignature}`, random, `${random}.${random}`]) {
      const res = await editProfile(`${sessionCookie}; quire_csrf=${secret}`, csrfTokenFor(key, secret, jti));
      expect(res.status, secret).toBe(403);
    }
    // The same request with the minted secret is accepted: only the signature differed.
    expect((await editProfile(`${sessionCookie}; quire_csrf=${minted}`, csrfTokenFor(key, minted, jti))).status).toBe(303);
  });

  it('makes a token from the anonymous sign-in form worthless after signing in, and the next page carries a new one', async () => {
    const form = await request(app).get('/signin');
    const formCookie = cookiesFrom(form.headers['set-cookie'] as unknown as string[]);
    const formToken = csrfFromHtml(form.text);
    const signedIn = await request(app)
      .post('/signin')
      .type('form')
      .set('Cookie', formCookie)
      .send({ _csrf: formToken, identifier: 'bound', password: DEFAULT_PASSWORD });
    expect(signedIn.status).toBe(303);
    const session = sessionCookieFrom(signedIn);
    const newSecret = cookiesFrom(setCookieFor(signedIn, 'quire_csrf'));
    expect(newSecret).not.toBe(formCookie);
    // The old token, with the old cookie kept or with the new one: refused.
    expect((await editProfile(`${session}; ${formCookie}`, formToken)).status).toBe(403);
    expect((await editProfile(`${session}; ${newSecret}`, formToken)).status).toBe(403);
    // As a browser goes on: the account page (new secret, new session) gives a token that works.
    const page = await request(app).get('/account').set('Cookie', `${session}; ${newSecret}`);
    expect(page.status).toBe(200);
    expect((await editProfile(`${session}; ${newSecret}`, csrfFromHtml(page.text))).status).toBe(303);
  });

  it('starts a new secret at sign-out', async () => {
    const mine = sessionFor(user, config);
    const res = await request(app).post('/signout').type('form').set('Cookie', mine.cookie).send({ _csrf: mine.csrf });
    expect(res.status).toBe(303);
    const renewed = setCookieFor(res, 'quire_csrf');
    expect(renewed).toMatch(/^quire_csrf=[\w-]{43}\.[\w-]{43};/);
    expect(cookiesFrom(renewed)).not.toBe(mine.cookie.split('; ')[1]);
  });

  it('refuses an unsafe request that says it comes from another site (Origin, or Referer without Origin)', async () => {
    const mine = sessionFor(user, config);
    const foreign: Record<string, string>[] = [
      { Origin: 'https://evil.example' },
      { Origin: 'null' },
      { Origin: 'http://quire.test.evil.example' },
      { Origin: 'https://quire.test' },
      { Referer: 'https://evil.example/page' },
      { Referer: 'not a url' },
    ];
    for (const headers of foreign) {
      expect((await editProfile(mine.cookie, mine.csrf, headers)).status, JSON.stringify(headers)).toBe(403);
    }
    // SITE_URL's origin, the origin the request was addressed to, and a same-site Referer are accepted.
    expect((await editProfile(mine.cookie, mine.csrf, { Origin: 'http://quire.test' })).status).toBe(303);
    expect((await editProfile(mine.cookie, mine.csrf, { Host: 'blog.internal:8080', Origin: 'http://blog.internal:8080' })).status).toBe(303);
    expect((await editProfile(mine.cookie, mine.csrf, { Referer: 'http://quire.test/account' })).status).toBe(303);
  });

  it('uses only the __Host- cookie where cookies are secure', async () => {
    const secure = testApp({ secureCookies: true, siteUrl: 'https://quire.test' });
    const plain = mintCsrfSecret(key);
    const post = (cookie: string, csrf: string) =>
      request(secure.app).post('/signin').type('form').set('Cookie', cookie).send({ _csrf: csrf, identifier: 'nobody-here', password: 'wrong password' });
    // A plain-named cookie (which a sibling subdomain or an http page could have set) is not read.
    expect((await post(`quire_csrf=${plain}`, csrfTokenFor(key, plain, undefined))).status).toBe(403);
    expect((await post(`__Host-quire_csrf=${plain}`, csrfTokenFor(key, plain, undefined))).status).toBe(401);
  });
});
