// Password reset by email: no enumeration, a single-use, hashed, 30-minute token, limits per address and
// per account, and a completed reset ends every session. Mail goes through a real SMTP server started here.
import { createHash } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESET_REQUESTS_PER_ACCOUNT, RESET_REQUESTS_PER_ADDRESS } from '../../src/auth/attempt-limits.js';
import { PasswordReset } from '../../src/auth/password-reset.model.js';
import { AuditEntry } from '../../src/site/audit.model.js';
import { User } from '../../src/users/user.model.js';
import { testApp } from '../support/app.js';
import { postAnonymous, postSignIn, setCookieFor } from '../support/auth.js';
import { DEFAULT_PASSWORD, makeUser } from '../support/factories.js';
import { pathOf, startSmtpServer, type TestSmtp } from '../support/mail.js';
import { anonymousSession, csrfFromHtml, sessionFor } from '../support/session.js';

const NEW_PASSWORD = 'a fresh and lengthy passphrase';
let smtp: TestSmtp;

beforeAll(async () => {
  smtp = await startSmtpServer();
});
afterAll(() => smtp.close());

/** An app that mails through the test SMTP server and sees X-Forwarded-For as the client address. */
const mailingApp = () => testApp({ smtpUrl: smtp.url, trustProxy: 1 });

let addressCounter = 0;
/** A client address of its own for each request, so that the per-address limit stays out of the way. */
const freshIp = () => `198.51.${Math.floor(addressCounter / 250)}.${(addressCounter++ % 250) + 1}`;

async function requestReset(app: ReturnType<typeof testApp>['app'], config: ReturnType<typeof testApp>['config'], email: string, ip = freshIp()) {
  return postAnonymous(app, config, '/password/forgot', { email }, { ip });
}

/** Asks for a link and returns the path it points to, as read from the mail. */
async function resetLinkFor(ctx: ReturnType<typeof testApp>, email: string): Promise<string> {
  const res = await requestReset(ctx.app, ctx.config, email);
  expect(res.status).toBe(303);
  const mail = await smtp.nextFor(email);
  expect(mail.links).toHaveLength(1);
  return pathOf(mail.links[0]!);
}

async function submitNewPassword(ctx: ReturnType<typeof testApp>, path: string, password = NEW_PASSWORD) {
  const s = anonymousSession(ctx.config);
  return request(ctx.app).post(path).type('form').set('Cookie', s.cookie).send({ _csrf: s.csrf, password });
}

describe('asking for a link', () => {
  it('answers an address with an account exactly as one without, and mails only the account', async () => {
    const ctx = mailingApp();
    const user = await makeUser({ email: 'known@example.test' });
    const known = await requestReset(ctx.app, ctx.config, 'Known@Example.test');
    const unknown = await requestReset(ctx.app, ctx.config, 'nobody-here@example.test');
    for (const res of [known, unknown]) {
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe('/password/forgot');
    }
    // The same message, in the same signed cookie value: the same answer.
    const flashValue = (res: typeof known) => setCookieFor(res, 'quire_flash')?.split(';')[0];
    expect(flashValue(known)).toBeTruthy();
    expect(flashValue(known)).toBe(flashValue(unknown));
    expect(known.text).toBe(unknown.text);

    const mail = await smtp.nextFor('known@example.test');
    expect(mail.subject).toBe('Reset your password on Quire');
    expect(mail.links[0]).toMatch(/^http:\/\/quire\.test\/password\/reset\/[A-Za-z0-9_-]{43}$/);
    expect(await PasswordReset.countDocuments({ user: user._id })).toBe(1);
    expect(await PasswordReset.countDocuments()).toBe(1);
    expect(smtp.received.some((m) => m.to.includes('nobody-here@example.test'))).toBe(false);

    // The page shows the one message.
    const page = await request(ctx.app).get('/password/forgot').set('Cookie', setCookieFor(known, 'quire_flash')!.split(';')[0]!);
    expect(page.text).toContain('If an account uses that address, we have sent it a link');
  });

  it('stores only the SHA-256 of the token', async () => {
    const ctx = mailingApp();
    const user = await makeUser();
    const path = await resetLinkFor(ctx, user.email);
    const token = path.split('/').pop()!;
    const row = await PasswordReset.findOne({ user: user._id }).lean();
    expect(row!.tokenHash).toBe(createHash('sha256').update(token).digest('hex'));
    expect(JSON.stringify(row)).not.toContain(token);
    // Valid for 30 minutes.
    const minutes = (row!.expiresAt.getTime() - Date.now()) / 60_000;
    expect(minutes).toBeGreaterThan(29);
    expect(minutes).toBeLessThanOrEqual(30);
  });

  it('needs the CSRF token', async () => {
    const ctx = mailingApp();
    const res = await request(ctx.app).post('/password/forgot').type('form').send({ email: 'someone@example.test' });
    expect(res.status).toBe(403);
  });
});

describe('using the link', () => {
  it('sets the password through the password rules, ends every session and is audited', async () => {
    const ctx = mailingApp();
    const user = await makeUser();
    const oldSession = sessionFor(user, ctx.config);
    expect((await request(ctx.app).get('/account').set('Cookie', oldSession.cookie)).status).toBe(200);

    const path = await resetLinkFor(ctx, user.email);
    const form = await request(ctx.app).get(path);
    expect(form.status).toBe(200);
    expect(form.text).toContain(`@${user.username}`);

    // A weak password is refused with the form again, and the link still works.
    const weak = await submitNewPassword(ctx, path, 'password123');
    expect(weak.status).toBe(422);
    expect((await request(ctx.app).get(path)).status).toBe(200);

    const done = await submitNewPassword(ctx, path);
    expect(done.status).toBe(303);
    expect(done.headers.location).toBe('/signin');

    // The old session is dead; the old password no longer signs in, the new one does.
    const after = await request(ctx.app).get('/account').set('Cookie', oldSession.cookie);
    expect(after.status).toBe(303);
    expect(after.headers.location).toMatch(/^\/signin/);
    expect((await postSignIn(ctx.app, ctx.config, { identifier: user.username, password: DEFAULT_PASSWORD })).status).toBe(401);
    expect((await postSignIn(ctx.app, ctx.config, { identifier: user.username, password: NEW_PASSWORD })).status).toBe(303);

    const entry = await AuditEntry.findOne({ action: 'user.password-reset', targetId: String(user._id) }).lean();
    expect(entry).not.toBeNull();
    expect(entry!.actor?.toString()).toBe(String(user._id));
  });

  it('works once: a second use, even with another password, is refused', async () => {
    const ctx = mailingApp();
    const user = await makeUser();
    const path = await resetLinkFor(ctx, user.email);
    expect((await submitNewPassword(ctx, path)).status).toBe(303);
    const hashAfterFirst = (await User.findById(user._id).lean())!.passwordHash;

    const again = await submitNewPassword(ctx, path, 'another lengthy passphrase');
    expect(again.status).toBe(404);
    expect(again.text).toContain('invalid, has expired or was already used');
    expect((await request(ctx.app).get(path)).status).toBe(404);
    expect((await User.findById(user._id).lean())!.passwordHash).toBe(hashAfterFirst);
  });

  it('is redeemed once when two requests race with it', async () => {
    const ctx = mailingApp();
    const user = await makeUser();
    const path = await resetLinkFor(ctx, user.email);
    const answers = await Promise.all([
      submitNewPassword(ctx, path, 'first racing passphrase'),
      submitNewPassword(ctx, path, 'second racing passphrase'),
      submitNewPassword(ctx, path, 'third racing passphrase'),
    ]);
    expect(answers.map((r) => r.status).sort()).toEqual([303, 404, 404]);
  });

  it('voids every earlier link once one is used', async () => {
    const ctx = mailingApp();
    const user = await makeUser();
    const first = await resetLinkFor(ctx, user.email);
    const second = await resetLinkFor(ctx, user.email);
    expect(first).not.toBe(second);
    expect((await submitNewPassword(ctx, second)).status).toBe(303);
    expect((await request(ctx.app).get(first)).status).toBe(404);
    expect((await submitNewPassword(ctx, first, 'another lengthy passphrase')).status).toBe(404);
  });

  it('dies when the password is changed on the account page', async () => {
    const ctx = mailingApp();
    const user = await makeUser();
    const path = await resetLinkFor(ctx, user.email);
    const s = sessionFor(user, ctx.config);
    const changed = await request(ctx.app)
      .post('/account/password')
      .type('form')
      .set('Cookie', s.cookie)
      .send({ _csrf: s.csrf, currentPassword: DEFAULT_PASSWORD, newPassword: 'changed on the account page' });
    expect(changed.status).toBe(303);
    expect((await request(ctx.app).get(path)).status).toBe(404);
  });

  it('expires after 30 minutes', async () => {
    const ctx = mailingApp();
    const user = await makeUser();
    const path = await resetLinkFor(ctx, user.email);
    expect((await request(ctx.app).get(path)).status).toBe(200);
    await PasswordReset.updateOne({ user: user._id }, { $set: { expiresAt: new Date(Date.now() - 1000) } });
    expect((await request(ctx.app).get(path)).status).toBe(404);
    expect((await submitNewPassword(ctx, path)).status).toBe(404);
  });

  it('refuses a made-up token, and a POST without the CSRF token', async () => {
    const ctx = mailingApp();
    expect((await request(ctx.app).get(`/password/reset/${'A'.repeat(43)}`)).status).toBe(404);
    expect((await request(ctx.app).get('/password/reset/short')).status).toBe(404);
    const user = await makeUser();
    const path = await resetLinkFor(ctx, user.email);
    const forged = await request(ctx.app).post(path).type('form').send({ password: NEW_PASSWORD });
    expect(forged.status).toBe(403);
    expect((await request(ctx.app).get(path)).status).toBe(200);
  });
});

describe('limits', () => {
  it(`answers 429 with Retry-After after ${RESET_REQUESTS_PER_ACCOUNT.limit} requests for one account, from any address`, async () => {
    const ctx = testApp({ trustProxy: 1 });
    const user = await makeUser();
    for (let i = 0; i < RESET_REQUESTS_PER_ACCOUNT.limit; i++) {
      expect((await requestReset(ctx.app, ctx.config, user.email)).status).toBe(303);
    }
    const refused = await requestReset(ctx.app, ctx.config, user.email);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(await PasswordReset.countDocuments({ user: user._id })).toBe(RESET_REQUESTS_PER_ACCOUNT.limit);
    // An unknown address is limited the same way, so the limit tells nothing either.
    for (let i = 0; i < RESET_REQUESTS_PER_ACCOUNT.limit; i++) {
      expect((await requestReset(ctx.app, ctx.config, 'ghost@example.test')).status).toBe(303);
    }
    expect((await requestReset(ctx.app, ctx.config, 'ghost@example.test')).status).toBe(429);
  });

  it(`answers 429 with Retry-After after ${RESET_REQUESTS_PER_ADDRESS.limit} requests from one address`, async () => {
    const ctx = testApp({ trustProxy: 1 });
    for (let i = 0; i < RESET_REQUESTS_PER_ADDRESS.limit; i++) {
      expect((await requestReset(ctx.app, ctx.config, `someone${i}@example.test`, '203.0.113.77')).status).toBe(303);
    }
    const refused = await requestReset(ctx.app, ctx.config, 'someone-else@example.test', '203.0.113.77');
    expect(refused.status).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    // Another address is not affected.
    expect((await requestReset(ctx.app, ctx.config, 'someone-else@example.test', '203.0.113.78')).status).toBe(303);
  });
});

it('links to the form from the sign-in page', async () => {
  const { app } = testApp();
  await makeUser();
  const page = await request(app).get('/signin');
  expect(page.text).toContain('href="/password/forgot"');
  expect(csrfFromHtml((await request(app).get('/password/forgot')).text)).toBeTruthy();
});
