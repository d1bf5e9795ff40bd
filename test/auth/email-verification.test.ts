// Email verification for self sign-up (the setting verifyEmailOnSignup): off, nothing changes; on, a new
// reader gets a single-use, hashed, 48-hour link and cannot comment until it is used; the "send the link
// again" POST is limited per account; every POST needs its CSRF token. Mail goes through a real SMTP server.
import { createHash } from 'node:crypto';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { VERIFICATION_RESENDS_PER_ACCOUNT } from '../../src/auth/attempt-limits.js';
import { EmailVerification } from '../../src/auth/email-verification.model.js';
import { createAccount } from '../../src/auth/auth.service.js';
import { Comment } from '../../src/comments/comment.model.js';
import { AuditEntry } from '../../src/site/audit.model.js';
import { DEFAULT_SETTINGS, getSettings, saveSettings } from '../../src/site/settings.service.js';
import { User } from '../../src/users/user.model.js';
import { testApp } from '../support/app.js';
import { postAnonymous, sessionCookieFrom } from '../support/auth.js';
import { comment, followRedirect, postForm, postPage } from '../support/comments.js';
import { makeUser } from '../support/factories.js';
import { pathOf, startSmtpServer, type TestSmtp } from '../support/mail.js';
import { makePost } from '../support/posts.js';
import { anonymousSession, csrfFromHtml, sessionFor, withSessionCookie, type TestSession } from '../support/session.js';

let smtp: TestSmtp;
let ctx: ReturnType<typeof testApp>;
let slug: string;

beforeAll(async () => {
  smtp = await startSmtpServer();
  ctx = testApp({ smtpUrl: smtp.url, trustProxy: 1 });
  const author = await makeUser({ role: 'author' });
  slug = (await makePost({ author, status: 'published', title: 'A post to comment on' })).slug;
});
afterAll(() => smtp.close());
afterEach(() => saveSettings({ ...DEFAULT_SETTINGS }));

const verifyOn = () => saveSettings({ ...DEFAULT_SETTINGS, verifyEmailOnSignup: true });

let counter = 0;
/** Signs up a new reader from an address of its own; returns its email and a browser signed in as it. */
async function signUp(): Promise<{ email: string; session: TestSession }> {
  counter++;
  const email = `verify${counter}@example.test`;
  const res = await postAnonymous(
    ctx.app,
    ctx.config,
    '/signup',
    { username: `verify${counter}`, email, displayName: `Verify ${counter}`, password: 'lantern orchard gravel tide' },
    { ip: `203.0.113.${counter}` },
  );
  expect(res.status).toBe(303);
  return { email, session: withSessionCookie(sessionCookieFrom(res), ctx.config) };
}

async function linkFor(email: string): Promise<string> {
  const mail = await smtp.nextFor(email);
  expect(mail.subject).toBe('Confirm your email address on Quire');
  expect(mail.links).toHaveLength(1);
  expect(mail.links[0]).toMatch(/^http:\/\/quire\.test\/verify-email\/[A-Za-z0-9_-]{43}$/);
  return pathOf(mail.links[0]!);
}

/** Opens the confirmation page and submits it, as a browser that followed the link would. */
async function confirm(path: string) {
  const s = anonymousSession(ctx.config);
  const page = await request(ctx.app).get(path).set('Cookie', s.cookie);
  if (page.status !== 200) return page;
  return request(ctx.app).post(path).type('form').set('Cookie', s.cookie).send({ _csrf: csrfFromHtml(page.text) });
}

const verifiedAt = async (email: string) => (await User.findOne({ email }, 'emailVerifiedAt').lean())?.emailVerifiedAt;

describe('the setting', () => {
  it('is off by default, and an admin turns it on from /admin/settings, audited', async () => {
    const admin = sessionFor(await makeUser({ role: 'admin' }), ctx.config);
    const form = await request(ctx.app).get('/admin/settings').set('Cookie', admin.cookie);
    expect(form.text).toMatch(/<input[^>]*name="verifyEmailOnSignup"(?![^>]*checked)[^>]*>/);
    const res = await postForm(ctx.app, admin, '/admin/settings', {
      title: 'Quire',
      tagline: DEFAULT_SETTINGS.tagline,
      description: DEFAULT_SETTINGS.description,
      postsPerPage: '10',
      signupOpen: 'on',
      commentsEnabled: 'on',
      verifyEmailOnSignup: 'on',
    });
    expect(res.status).toBe(303);
    expect((await getSettings()).verifyEmailOnSignup).toBe(true);
    const entry = await AuditEntry.findOne({ action: 'settings.update' }).sort({ at: -1, _id: -1 }).lean();
    expect(entry!.detail).toBe('verifyEmailOnSignup: false -> true');
  });
});

describe('with the setting off (the default)', () => {
  it('mails no link and lets a new reader comment at once', async () => {
    const { email, session } = await signUp();
    expect(await EmailVerification.countDocuments({ email })).toBe(0);
    const page = await postPage(ctx.app, slug, session);
    expect(page.text).toContain(`action="/posts/${slug}/comments"`);
    expect(page.text).not.toContain('action="/verify-email/resend"');
    const res = await comment(ctx.app, session, slug, 'Signed up and commenting.');
    expect(res.status).toBe(303);
    expect(await Comment.countDocuments({ body: 'Signed up and commenting.' })).toBe(1);

    // A sign-up with the setting on afterwards is mailed; the one before never was.
    await verifyOn();
    const later = await signUp();
    await linkFor(later.email);
    expect(smtp.received.some((m) => m.to.includes(email))).toBe(false);
  });
});

describe('with the setting on', () => {
  it('mails a hashed, single-use link; the reader cannot comment until it is used', async () => {
    await verifyOn();
    const { email, session } = await signUp();
    const path = await linkFor(email);
    const token = path.split('/').pop()!;
    // Only the token's SHA-256 is stored.
    const stored = await EmailVerification.findOne({ email }).lean();
    expect(stored!.tokenHash).toBe(createHash('sha256').update(token).digest('hex'));
    expect(JSON.stringify(await EmailVerification.find().lean())).not.toContain(token);
    expect(stored!.expiresAt.getTime() - Date.now()).toBeGreaterThan(47 * 3_600_000);
    expect(await verifiedAt(email)).toBeUndefined();

    // The comment form says why, and offers the link again; a comment posted anyway is refused.
    const page = await postPage(ctx.app, slug, session);
    expect(page.text).toContain('Please confirm your email address before commenting');
    expect(page.text).toContain('action="/verify-email/resend"');
    expect(page.text).not.toContain(`action="/posts/${slug}/comments"`);
    const refused = await comment(ctx.app, session, slug, 'Before verifying.');
    expect(refused.status).toBe(403);
    expect(refused.text).toContain('confirm your email address');
    expect(await Comment.countDocuments({ body: 'Before verifying.' })).toBe(0);

    // Opening the link alone (a mail scanner's GET) marks nothing.
    expect((await request(ctx.app).get(path)).status).toBe(200);
    expect(await verifiedAt(email)).toBeUndefined();

    const done = await confirm(path);
    expect(done.status).toBe(303);
    const home = await followRedirect(ctx.app, done, null);
    expect(home.text).toContain('your email address is confirmed');
    expect(await verifiedAt(email)).toBeInstanceOf(Date);
    const audit = await AuditEntry.findOne({ action: 'user.email-verified', targetLabel: `verify${counter}` }).lean();
    expect(audit).toMatchObject({ targetType: 'user', actorName: `Verify ${counter}` });

    expect((await comment(ctx.app, session, slug, 'After verifying.')).status).toBe(303);
    expect(await Comment.countDocuments({ body: 'After verifying.' })).toBe(1);

    // Once only: the page and the POST now answer 404.
    expect((await request(ctx.app).get(path)).status).toBe(404);
    const s = anonymousSession(ctx.config);
    expect((await request(ctx.app).post(path).type('form').set('Cookie', s.cookie).send({ _csrf: s.csrf })).status).toBe(404);
  });

  it('refuses an expired link', async () => {
    await verifyOn();
    const { email } = await signUp();
    const path = await linkFor(email);
    await EmailVerification.updateOne({ email }, { $set: { expiresAt: new Date(Date.now() - 1000) } });
    expect((await request(ctx.app).get(path)).status).toBe(404);
    const s = anonymousSession(ctx.config);
    expect((await request(ctx.app).post(path).type('form').set('Cookie', s.cookie).send({ _csrf: s.csrf })).status).toBe(404);
    expect(await verifiedAt(email)).toBeUndefined();
  });

  it('refuses a link mailed to an address the account no longer has', async () => {
    await verifyOn();
    const { email } = await signUp();
    const path = await linkFor(email);
    await User.updateOne({ email }, { $set: { email: `changed-${email}` } });
    expect((await confirm(path)).status).toBe(404);
    expect(await verifiedAt(`changed-${email}`)).toBeUndefined();
  });

  it('asks again after the reader changes their address on the account page', async () => {
    await verifyOn();
    const { email, session } = await signUp();
    expect((await confirm(await linkFor(email))).status).toBe(303);
    const changed = await postForm(ctx.app, session, '/account', { displayName: `Verify ${counter}`, bio: '', email: `new-${email}` });
    expect(changed.status).toBe(303);
    const moved = await User.findOne({ email: `new-${email}` }, 'emailVerifiedAt').lean();
    expect(moved).toBeTruthy();
    expect(moved!.emailVerifiedAt).toBeUndefined();
    expect((await comment(ctx.app, session, slug, 'With an unproven address.')).status).toBe(403);
  });

  it('needs the CSRF token to confirm', async () => {
    await verifyOn();
    const { email } = await signUp();
    const path = await linkFor(email);
    const res = await request(ctx.app).post(path).type('form').send({});
    expect(res.status).toBe(403);
    expect(await verifiedAt(email)).toBeUndefined();
  });

  it('sends the link again, a few times an hour per account (429 with Retry-After), and only with CSRF', async () => {
    await verifyOn();
    const { email, session } = await signUp();
    await linkFor(email);

    const noToken = await request(ctx.app).post('/verify-email/resend').set('Cookie', session.cookie).type('form').send({ next: `/posts/${slug}#comments` });
    expect(noToken.status).toBe(403);

    for (let i = 0; i < VERIFICATION_RESENDS_PER_ACCOUNT.limit; i++) {
      const res = await postForm(ctx.app, session, '/verify-email/resend', { next: `/posts/${slug}#comments` });
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe(`/posts/${slug}#comments`);
      await linkFor(email);
    }
    const over = await postForm(ctx.app, session, '/verify-email/resend', { next: `/posts/${slug}#comments` });
    expect(over.status).toBe(429);
    expect(Number(over.headers['retry-after'])).toBeGreaterThan(0);
    // Every link sent is a working one until one of them is used.
    expect(await EmailVerification.countDocuments({ email })).toBe(1 + VERIFICATION_RESENDS_PER_ACCOUNT.limit);
  });

  it('keeps the resend target on this site', async () => {
    await verifyOn();
    const { email, session } = await signUp();
    await linkFor(email);
    const res = await postForm(ctx.app, session, '/verify-email/resend', { next: '//evil.example/' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/');
    await linkFor(email);
  });

  it('holds back only readers: staff, and accounts whose making proved the address, comment freely', async () => {
    await verifyOn();
    const author = await makeUser({ role: 'author' });
    expect((await comment(ctx.app, sessionFor(author, ctx.config), slug, 'An author comments.')).status).toBe(303);
    const invited = await createAccount({ username: 'invited1', email: 'invited1@example.test', displayName: 'Invited', password: 'lantern orchard gravel tide', emailVerified: true });
    expect(await verifiedAt('invited1@example.test')).toBeInstanceOf(Date);
    const res = await comment(ctx.app, sessionFor({ _id: invited.id }, ctx.config), slug, 'An invited reader comments.');
    expect(res.status).toBe(303);
  });
});
