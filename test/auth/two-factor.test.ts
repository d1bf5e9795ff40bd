// Two-factor sign-in for staff: enrolment needs the password and a working code; sign-in becomes two
// steps with a pending cookie that is not a session; codes are not replayable in their step; recovery
// codes work once; the second step has its own limits; an admin setting sends staff to enrol first, and
// another admin can reset a lost device. Everything through createApp on the real database.
import { Secret, TOTP } from 'otpauth';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { SECOND_STEP_FAILURES_PER_ACCOUNT } from '../../src/auth/attempt-limits.js';
import { saveSettings, DEFAULT_SETTINGS, forgetSettings } from '../../src/site/settings.service.js';
import { AuditEntry } from '../../src/site/audit.model.js';
import { User } from '../../src/users/user.model.js';
import { deriveKeys } from '../../src/auth/keys.js';
import { unseal } from '../../src/auth/two-factor.js';
import { resealTwoFactorSecrets } from '../../src/auth/two-factor.service.js';
import { TEST_SECRET, testApp } from '../support/app.js';
import { postSignIn, sessionCookieFrom, setCookieFor } from '../support/auth.js';
import { DEFAULT_PASSWORD, makeUser } from '../support/factories.js';
import { anonymousSession, cookiesFrom, sessionFor, type TestSession } from '../support/session.js';

type Ctx = ReturnType<typeof testApp>;

/** The code an authenticator app shows `steps` periods from now. */
function codeAt(secret: string, steps = 0): string {
  return TOTP.generate({ secret: Secret.fromBase32(secret), timestamp: Date.now() + steps * 30_000 });
}

async function enrolmentForm(ctx: Ctx, session: TestSession) {
  const page = await request(ctx.app).get('/account/2fa').set('Cookie', session.cookie);
  expect(page.status).toBe(200);
  const secret = /id="totp-secret"[^>]*>([A-Z2-7]+)</.exec(page.text)?.[1];
  const setup = /name="setup" value="([^"]+)"/.exec(page.text)?.[1];
  expect(secret).toBeTruthy();
  expect(page.text).toMatch(/<img src="data:image\/png;base64,/);
  return { secret: secret!, setup: setup!, page };
}

function postEnable(ctx: Ctx, session: TestSession, body: { setup: string; code: string; password: string }) {
  return request(ctx.app).post('/account/2fa').type('form').set('Cookie', session.cookie).send({ _csrf: session.csrf, action: 'enable', ...body });
}

/** A user with 2FA on: their secret and recovery codes. */
async function enrolledUser(ctx: Ctx, role: 'editor' | 'admin' | 'author' = 'editor') {
  const user = await makeUser({ role });
  const session = sessionFor(user, ctx.config);
  const { secret, setup } = await enrolmentForm(ctx, session);
  const res = await postEnable(ctx, session, { setup, code: codeAt(secret), password: DEFAULT_PASSWORD });
  expect(res.status).toBe(200);
  const recovery = [...res.text.matchAll(/<code class="recovery-code">([a-z0-9-]+)<\/code>/g)].map((m) => m[1]!);
  return { user, session, secret, recovery, page: res.text };
}

/** The password step: the pending cookie for the second one. */
async function passwordStep(ctx: Ctx, username: string, next?: string) {
  const res = await postSignIn(ctx.app, ctx.config, { identifier: username, password: DEFAULT_PASSWORD, ...(next ? { next } : {}) });
  expect(res.status).toBe(303);
  expect(res.headers.location).toBe('/signin/2fa');
  const line = setCookieFor(res, 'quire_2fa');
  expect(line).toMatch(/HttpOnly/i);
  expect(line).toMatch(/Path=\/signin\/2fa/);
  expect(setCookieFor(res, 'quire_session')).toBeUndefined();
  return cookiesFrom(line);
}

function secondStep(ctx: Ctx, pendingCookie: string, code: string) {
  const s = anonymousSession(ctx.config);
  return request(ctx.app).post('/signin/2fa').type('form').set('Cookie', `${pendingCookie}; ${s.cookie}`).send({ _csrf: s.csrf, code });
}

describe('enrolment', () => {
  it('needs the password and a code from the new secret; shows 10 recovery codes once; stores the secret encrypted', async () => {
    const ctx = testApp();
    const user = await makeUser({ role: 'editor' });
    const session = sessionFor(user, ctx.config);
    const { secret, setup } = await enrolmentForm(ctx, session);

    const wrongPassword = await postEnable(ctx, session, { setup, code: codeAt(secret), password: 'not my password at all' });
    expect(wrongPassword.status).toBe(422);
    // The form again keeps the secret the app has scanned.
    expect(wrongPassword.text).toContain(secret);
    const wrongCode = await postEnable(ctx, session, { setup, code: codeAt(secret, 5), password: DEFAULT_PASSWORD });
    expect(wrongCode.status).toBe(422);
    const tampered = await postEnable(ctx, session, { setup: setup.slice(0, -2) + 'AA', code: codeAt(secret), password: DEFAULT_PASSWORD });
    expect(tampered.status).toBe(422);
    expect((await User.findById(user._id).lean())!.totpEnabledAt).toBeUndefined();

    const done = await postEnable(ctx, session, { setup, code: codeAt(secret), password: DEFAULT_PASSWORD });
    expect(done.status).toBe(200);
    expect(done.headers['cache-control']).toContain('no-store');
    const codes = [...done.text.matchAll(/<code class="recovery-code">([a-z0-9-]+)<\/code>/g)].map((m) => m[1]);
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);

    const stored = await User.findById(user._id).lean();
    expect(stored!.totpEnabledAt).toBeInstanceOf(Date);
    expect(stored!.totpSecret).not.toContain(secret);
    expect(stored!.recoveryCodeHashes).toHaveLength(10);
    expect(JSON.stringify(stored)).not.toContain(codes[0]!.replace('-', ''));
    // Never shown again.
    const later = await request(ctx.app).get('/account/2fa').set('Cookie', session.cookie);
    expect(later.text).not.toContain(secret);
    expect(later.text).not.toContain(codes[0]);
    expect(await AuditEntry.exists({ action: 'user.2fa-enable', targetId: String(user._id) })).not.toBeNull();
  });

  it('refuses a code used for another account: a sealed enrolment form is bound to its account', async () => {
    const ctx = testApp();
    const alice = sessionFor(await makeUser(), ctx.config);
    const bob = sessionFor(await makeUser(), ctx.config);
    const { secret, setup } = await enrolmentForm(ctx, alice);
    expect((await postEnable(ctx, bob, { setup, code: codeAt(secret), password: DEFAULT_PASSWORD })).status).toBe(422);
  });
});

describe('signing in with 2FA', () => {
  it('asks for a code after the password; the pending cookie is not a session', async () => {
    const ctx = testApp();
    const { user, secret } = await enrolledUser(ctx);
    const pending = await passwordStep(ctx, user.username, '/dashboard');
    // The pending cookie opens nothing: not the account page, not as a session cookie either.
    const account = await request(ctx.app).get('/account').set('Cookie', pending);
    expect(account.status).toBe(303);
    expect(account.headers.location).toMatch(/^\/signin/);
    const asSession = pending.replace(/^quire_2fa=/, 'quire_session=');
    expect((await request(ctx.app).get('/account').set('Cookie', asSession)).status).toBe(303);
    expect((await request(ctx.app).get('/signin/2fa').set('Cookie', pending)).status).toBe(200);

    const wrong = await secondStep(ctx, pending, codeAt(secret, 7));
    expect(wrong.status).toBe(401);
    expect(setCookieFor(wrong, 'quire_session')).toBeUndefined();

    const code = codeAt(secret, 1);
    const ok = await secondStep(ctx, pending, code);
    expect(ok.status).toBe(303);
    expect(ok.headers.location).toBe('/dashboard');
    expect((await request(ctx.app).get('/dashboard').set('Cookie', sessionCookieFrom(ok))).status).toBe(200);

    // The same code again, in the same time step: refused.
    const replay = await secondStep(ctx, await passwordStep(ctx, user.username), code);
    expect(replay.status).toBe(401);
  });

  it('accepts each recovery code once', async () => {
    const ctx = testApp();
    const { user, recovery } = await enrolledUser(ctx);
    const first = await secondStep(ctx, await passwordStep(ctx, user.username), recovery[3]!.toUpperCase());
    expect(first.status).toBe(303);
    expect(setCookieFor(first, 'quire_session')).toBeTruthy();
    expect((await User.findById(user._id).lean())!.recoveryCodeHashes).toHaveLength(9);
    const again = await secondStep(ctx, await passwordStep(ctx, user.username), recovery[3]!);
    expect(again.status).toBe(401);
  });

  it(`locks the second step after ${SECOND_STEP_FAILURES_PER_ACCOUNT.limit} wrong codes (429, Retry-After), even for a right one`, async () => {
    const ctx = testApp();
    const { user, secret } = await enrolledUser(ctx);
    const pending = await passwordStep(ctx, user.username);
    for (let i = 0; i < SECOND_STEP_FAILURES_PER_ACCOUNT.limit; i++) {
      expect((await secondStep(ctx, pending, String(100000 + i))).status).toBe(401);
    }
    const locked = await secondStep(ctx, pending, codeAt(secret, 1));
    expect(locked.status).toBe(429);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    expect(setCookieFor(locked, 'quire_session')).toBeUndefined();
    // A new password step does not reset the count.
    expect((await secondStep(ctx, await passwordStep(ctx, user.username), codeAt(secret, 1))).status).toBe(429);
  });

  it('needs the pending cookie (a forged one is refused) and the CSRF token', async () => {
    const ctx = testApp();
    const { user, secret } = await enrolledUser(ctx);
    const none = await request(ctx.app).get('/signin/2fa');
    expect(none.status).toBe(303);
    expect(none.headers.location).toBe('/signin');
    // A session token is not a pending sign-in either.
    const session = sessionFor(user, ctx.config).cookie.split(';')[0]!.replace(/^quire_session=/, 'quire_2fa=');
    expect((await secondStep(ctx, session, codeAt(secret, 1))).status).toBe(303);
    const pending = await passwordStep(ctx, user.username);
    const noCsrf = await request(ctx.app).post('/signin/2fa').type('form').set('Cookie', pending).send({ code: codeAt(secret, 1) });
    expect(noCsrf.status).toBe(403);
  });

  it('signs in without a second step when 2FA is off', async () => {
    const ctx = testApp();
    const user = await makeUser({ role: 'editor' });
    const res = await postSignIn(ctx.app, ctx.config, { identifier: user.username, password: DEFAULT_PASSWORD });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/');
    expect(setCookieFor(res, 'quire_session')).toBeTruthy();
  });
});

describe('rotating JWT_SECRET', () => {
  const ROTATED = 'a-new-jwt-secret-after-rotation-long-enough-0123456789';
  const stored = async (id: unknown) => (await User.findById(id, 'totpSecret').lean())!.totpSecret!;
  const opensWith = (sealed: string, id: unknown, secret: string) => unseal(sealed, deriveKeys(secret).twoFactor.current, `totp:${String(id)}`) !== undefined;

  it('keeps 2FA working with the old value in JWT_SECRET_PREVIOUS, sealing the secret again under the new one', async () => {
    const before = testApp();
    const { user, secret } = await enrolledUser(before);
    expect(opensWith(await stored(user._id), user._id, TEST_SECRET)).toBe(true);

    // Without the old value, the stored secret opens with no key: only a recovery code would do.
    const forgotten = testApp({ jwtSecret: ROTATED });
    expect((await secondStep(forgotten, await passwordStep(forgotten, user.username), codeAt(secret))).status).toBe(401);

    const rotated = testApp({ jwtSecret: ROTATED, previousJwtSecret: TEST_SECRET });
    const ok = await secondStep(rotated, await passwordStep(rotated, user.username), codeAt(secret, 1));
    expect(ok.status).toBe(303);
    const now = await stored(user._id);
    expect(opensWith(now, user._id, ROTATED)).toBe(true);
    expect(opensWith(now, user._id, TEST_SECRET)).toBe(false);
  });

  it('seals every stored secret again at start (resealTwoFactorSecrets), counting those no key opens', async () => {
    const before = testApp();
    const { user } = await enrolledUser(before);
    const older = await enrolledUser(testApp({ jwtSecret: 'a-secret-older-than-the-previous-one-0123456789abcdef' }));

    const result = await resealTwoFactorSecrets(deriveKeys(ROTATED, TEST_SECRET).twoFactor);
    expect(result.resealed).toBeGreaterThanOrEqual(1);
    expect(result.unreadable).toBeGreaterThanOrEqual(1);
    expect(opensWith(await stored(user._id), user._id, ROTATED)).toBe(true);
    // What no key opened is left as it was (an admin's reset or a recovery code deals with it).
    expect(opensWith(await stored(older.user._id), older.user._id, 'a-secret-older-than-the-previous-one-0123456789abcdef')).toBe(true);
    // Nothing is stale any more: a second run seals nothing.
    expect((await resealTwoFactorSecrets(deriveKeys(ROTATED, TEST_SECRET).twoFactor)).resealed).toBe(0);
  });
});

describe('turning it off', () => {
  it('needs a code or the password, and is audited', async () => {
    const ctx = testApp();
    const { user, session } = await enrolledUser(ctx);
    const disable = (body: Record<string, string>) =>
      request(ctx.app).post('/account/2fa').type('form').set('Cookie', session.cookie).send({ _csrf: session.csrf, action: 'disable', ...body });
    expect((await disable({ code: '000000', password: 'wrong password entirely' })).status).toBe(422);
    expect((await disable({})).status).toBe(422);
    expect((await User.findById(user._id).lean())!.totpEnabledAt).toBeInstanceOf(Date);
    expect((await disable({ password: DEFAULT_PASSWORD })).status).toBe(303);
    const after = await User.findById(user._id).lean();
    expect(after!.totpEnabledAt).toBeUndefined();
    expect(after!.totpSecret).toBeUndefined();
    expect(await AuditEntry.exists({ action: 'user.2fa-disable', targetId: String(user._id) })).not.toBeNull();
    // Sign-in is one step again.
    expect(setCookieFor(await postSignIn(ctx.app, ctx.config, { identifier: user.username, password: DEFAULT_PASSWORD }), 'quire_session')).toBeTruthy();
  });
});

describe('turning it off with a code', () => {
  it('accepts a current code from the app in place of the password', async () => {
    const ctx = testApp();
    const { user, session, secret } = await enrolledUser(ctx);
    const code = codeAt(secret, 1);
    const res = await request(ctx.app).post('/account/2fa').type('form').set('Cookie', session.cookie).send({ _csrf: session.csrf, action: 'disable', code });
    expect(res.status).toBe(303);
    expect((await User.findById(user._id).lean())!.totpEnabledAt).toBeUndefined();
  });
});

describe('the admin side', () => {
  it('another admin resets a lost device from /admin/users, audited; not their own, and not as an editor', async () => {
    const ctx = testApp();
    const { user } = await enrolledUser(ctx, 'author');
    const admin = await makeUser({ role: 'admin' });
    const adminSession = sessionFor(admin, ctx.config);
    const list = await request(ctx.app).get('/admin/users').set('Cookie', adminSession.cookie);
    expect(list.text).toContain(`/admin/users/${String(user._id)}/2fa/reset`);

    const editor = sessionFor(await makeUser({ role: 'editor' }), ctx.config);
    const refused = await request(ctx.app).post(`/admin/users/${String(user._id)}/2fa/reset`).type('form').set('Cookie', editor.cookie).send({ _csrf: editor.csrf });
    expect(refused.status).toBe(403);
    expect((await User.findById(user._id).lean())!.totpEnabledAt).toBeInstanceOf(Date);

    const reset = await request(ctx.app).post(`/admin/users/${String(user._id)}/2fa/reset`).type('form').set('Cookie', adminSession.cookie).send({ _csrf: adminSession.csrf });
    expect(reset.status).toBe(303);
    expect((await User.findById(user._id).lean())!.totpEnabledAt).toBeUndefined();
    const entry = await AuditEntry.findOne({ action: 'user.2fa-reset', targetId: String(user._id) }).lean();
    expect(entry?.actor?.toString()).toBe(String(admin._id));

    const self = await enrolledUser(ctx, 'admin');
    const own = await request(ctx.app).post(`/admin/users/${String(self.user._id)}/2fa/reset`).type('form').set('Cookie', self.session.cookie).send({ _csrf: self.session.csrf });
    expect(own.status).toBe(303);
    expect((await User.findById(self.user._id).lean())!.totpEnabledAt).toBeInstanceOf(Date);
  });

  it('"require 2FA for editors and admins" sends such staff to enrol before anything else', async () => {
    const ctx = testApp();
    const editor = sessionFor(await makeUser({ role: 'editor' }), ctx.config);
    const reader = sessionFor(await makeUser({ role: 'reader' }), ctx.config);
    const enrolled = await enrolledUser(ctx, 'admin');
    await saveSettings({ ...DEFAULT_SETTINGS, require2faForStaff: true });
    try {
      for (const path of ['/dashboard', '/admin', '/account', '/']) {
        const res = await request(ctx.app).get(path).set('Cookie', editor.cookie);
        expect(res.status, path).toBe(303);
        expect(res.headers.location).toBe('/account/2fa');
      }
      const post = await request(ctx.app).post('/posts').type('form').set('Cookie', editor.cookie).send({ _csrf: editor.csrf, title: 'x' });
      expect(post.status).toBe(303);
      expect(post.headers.location).toBe('/account/2fa');
      expect((await request(ctx.app).get('/account/2fa').set('Cookie', editor.cookie)).status).toBe(200);
      // Readers, and staff who have 2FA, are not affected.
      expect((await request(ctx.app).get('/account').set('Cookie', reader.cookie)).status).toBe(200);
      expect((await request(ctx.app).get('/admin').set('Cookie', enrolled.session.cookie)).status).toBe(200);
    } finally {
      await saveSettings({ ...DEFAULT_SETTINGS });
      forgetSettings();
    }
  });
});
