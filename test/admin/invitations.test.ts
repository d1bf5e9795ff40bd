// Invitations: an admin invites by email with a role; the invitee uses the mailed link once, within its
// life, and is signed in; invitations can be revoked; every step is audited. Mail goes through a real SMTP
// server started here.
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Invitation } from '../../src/auth/invitation.model.js';
import { AuditEntry } from '../../src/site/audit.model.js';
import { User } from '../../src/users/user.model.js';
import { testApp } from '../support/app.js';
import { sessionCookieFrom } from '../support/auth.js';
import { makeUser } from '../support/factories.js';
import { pathOf, startSmtpServer, type TestSmtp } from '../support/mail.js';
import { anonymousSession, sessionFor, type TestSession } from '../support/session.js';

const PASSWORD = 'an invited and lengthy passphrase';
let smtp: TestSmtp;
let counter = 0;

beforeAll(async () => {
  smtp = await startSmtpServer();
});
afterAll(() => smtp.close());

async function setUp() {
  const ctx = testApp({ smtpUrl: smtp.url });
  const admin = await makeUser({ role: 'admin', displayName: `Admin ${++counter}` });
  return { ...ctx, admin, adminSession: sessionFor(admin, ctx.config) };
}
type Ctx = Awaited<ReturnType<typeof setUp>>;

function postAs(ctx: Ctx, session: TestSession, path: string, body: Record<string, string> = {}) {
  return request(ctx.app).post(path).type('form').set('Cookie', session.cookie).send({ _csrf: session.csrf, ...body });
}

/** Invites an address as the admin and returns the path of the mailed link. */
async function inviteAndRead(ctx: Ctx, email: string, role = 'author'): Promise<string> {
  const res = await postAs(ctx, ctx.adminSession, '/admin/invitations', { email, role });
  expect(res.status).toBe(303);
  expect(res.headers.location).toBe('/admin/invitations');
  const mail = await smtp.nextFor(email);
  expect(mail.links).toHaveLength(1);
  return pathOf(mail.links[0]!);
}

function accept(ctx: Ctx, path: string, body: Record<string, string>) {
  const s = anonymousSession(ctx.config);
  return request(ctx.app).post(path).type('form').set('Cookie', s.cookie).send({ _csrf: s.csrf, ...body });
}

const freshEmail = () => `invitee${++counter}@example.test`;

describe('inviting', () => {
  it('mails a single-use link; the invitee chooses a username and password and is signed in with the role', async () => {
    const ctx = await setUp();
    const email = freshEmail();
    const path = await inviteAndRead(ctx, email, 'editor');
    expect(path).toMatch(/^\/invite\/[A-Za-z0-9_-]{43}$/);
    expect(JSON.stringify(await Invitation.findOne({ email }).lean())).not.toContain(path.split('/').pop());

    const list = await request(ctx.app).get('/admin/invitations').set('Cookie', ctx.adminSession.cookie);
    expect(list.status).toBe(200);
    expect(list.text).toContain(email);
    expect(list.text).toMatch(/>pending</);

    const form = await request(ctx.app).get(path);
    expect(form.status).toBe(200);
    expect(form.text).toContain(email);

    const username = `invited${counter}`;
    // timeZone: what the form's script read from the browser (public/js/time-zone.js).
    const done = await accept(ctx, path, { username, displayName: `Invited ${counter}`, password: PASSWORD, timeZone: 'Europe/Berlin' });
    expect(done.status).toBe(303);
    expect(done.headers.location).toBe('/dashboard');
    const dashboard = await request(ctx.app).get('/dashboard').set('Cookie', sessionCookieFrom(done));
    expect(dashboard.status).toBe(200);
    const user = await User.findOne({ username }).lean();
    expect(user).toMatchObject({ email, role: 'editor', status: 'active', timeZone: 'Europe/Berlin' });
    // The invitation link went to this address: it counts as verified (auth/email-verification.service.ts).
    expect(user!.emailVerifiedAt).toBeInstanceOf(Date);

    // Used once: the link is dead, the list says accepted.
    expect((await request(ctx.app).get(path)).status).toBe(404);
    const again = await accept(ctx, path, { username: `other${counter}`, displayName: 'Someone Else', password: PASSWORD });
    expect(again.status).toBe(404);
    expect(await User.countDocuments({ email })).toBe(1);
    expect((await request(ctx.app).get('/admin/invitations').set('Cookie', ctx.adminSession.cookie)).text).toMatch(/>accepted</);

    const actions = (await AuditEntry.find({ $or: [{ targetLabel: email }, { targetLabel: username }] }).lean()).map((e) => e.action).sort();
    expect(actions).toEqual(['invitation.accept', 'invitation.create']);
  });

  it('applies the sign-up rules to the invitee: password policy and unique usernames', async () => {
    const ctx = await setUp();
    const taken = await makeUser();
    const path = await inviteAndRead(ctx, freshEmail());
    const weak = await accept(ctx, path, { username: `fresh${counter}`, displayName: 'Fresh Person', password: 'password123' });
    expect(weak.status).toBe(422);
    const clash = await accept(ctx, path, { username: taken.username, displayName: 'Fresh Person', password: PASSWORD });
    expect(clash.status).toBe(422);
    expect(clash.text).toContain('That username is taken.');
    // Refusals do not use the link up.
    expect((await request(ctx.app).get(path)).status).toBe(200);
  });

  it('refuses an address that already has an account', async () => {
    const ctx = await setUp();
    const member = await makeUser();
    const res = await postAs(ctx, ctx.adminSession, '/admin/invitations', { email: member.email, role: 'author' });
    expect(res.status).toBe(422);
    expect(await Invitation.countDocuments({ email: member.email })).toBe(0);
  });

  it('is for admins only, and needs the CSRF token', async () => {
    const ctx = await setUp();
    const editor = sessionFor(await makeUser({ role: 'editor' }), ctx.config);
    const refused = freshEmail();
    expect((await postAs(ctx, editor, '/admin/invitations', { email: refused, role: 'admin' })).status).toBe(403);
    expect((await request(ctx.app).get('/admin/invitations').set('Cookie', editor.cookie)).status).toBe(403);
    expect((await request(ctx.app).get('/admin/invitations')).status).toBe(303);
    const forgedEmail = freshEmail();
    const forged = await request(ctx.app).post('/admin/invitations').type('form').set('Cookie', ctx.adminSession.cookie).send({ email: forgedEmail, role: 'admin' });
    expect(forged.status).toBe(403);
    expect(await Invitation.countDocuments({ email: refused })).toBe(0);
    expect(await Invitation.countDocuments({ email: forgedEmail })).toBe(0);

    // The invitee's form needs it too.
    const path = await inviteAndRead(ctx, freshEmail());
    const noToken = await request(ctx.app).post(path).type('form').send({ username: `nocsrf${counter}`, displayName: 'No Token', password: PASSWORD });
    expect(noToken.status).toBe(403);
    expect(await User.exists({ username: `nocsrf${counter}` })).toBeNull();
  });
});

describe('revoking and expiry', () => {
  it('a revoked invitation no longer opens, and the revocation is audited', async () => {
    const ctx = await setUp();
    const email = freshEmail();
    const path = await inviteAndRead(ctx, email);
    const inv = await Invitation.findOne({ email }).lean();
    const res = await postAs(ctx, ctx.adminSession, `/admin/invitations/${String(inv!._id)}/revoke`);
    expect(res.status).toBe(303);
    expect((await request(ctx.app).get(path)).status).toBe(404);
    expect((await accept(ctx, path, { username: `revoked${counter}`, displayName: 'Revoked Person', password: PASSWORD })).status).toBe(404);
    expect((await request(ctx.app).get('/admin/invitations').set('Cookie', ctx.adminSession.cookie)).text).toMatch(/>revoked</);
    expect(await AuditEntry.exists({ action: 'invitation.revoke', targetLabel: email })).not.toBeNull();
  });

  it('revoking one that is no longer pending returns to the list with why (409 declared as a flash), changing nothing; a malformed id is 404', async () => {
    const ctx = await setUp();
    const email = freshEmail();
    await inviteAndRead(ctx, email);
    const inv = await Invitation.findOne({ email }).lean();
    const revoke = `/admin/invitations/${String(inv!._id)}/revoke`;
    expect((await postAs(ctx, ctx.adminSession, revoke)).status).toBe(303);
    const revokedAt = (await Invitation.findById(inv!._id).lean())!.revokedAt;

    const again = await postAs(ctx, ctx.adminSession, revoke);
    expect(again.status).toBe(303);
    expect(again.headers.location).toBe('/admin/invitations');
    const flash = String(again.headers['set-cookie'] ?? '').match(/quire_flash=[^;]+/)?.[0] ?? '';
    const list = await request(ctx.app).get('/admin/invitations').set('Cookie', `${ctx.adminSession.cookie}; ${flash}`);
    expect(list.text).toMatch(/alert-danger[^>]*>The invitation for [^<]* is revoked: there is nothing to revoke\./);
    expect((await Invitation.findById(inv!._id).lean())!.revokedAt).toEqual(revokedAt);
    expect(await AuditEntry.countDocuments({ action: 'invitation.revoke', targetLabel: email })).toBe(1);

    expect((await postAs(ctx, ctx.adminSession, '/admin/invitations/not-an-id/revoke')).status).toBe(404);
  });

  it('a new invitation to the same address replaces the earlier one', async () => {
    const ctx = await setUp();
    const email = freshEmail();
    const first = await inviteAndRead(ctx, email);
    const second = await inviteAndRead(ctx, email);
    expect((await request(ctx.app).get(first)).status).toBe(404);
    expect((await request(ctx.app).get(second)).status).toBe(200);
  });

  it('expires after its days are up', async () => {
    const ctx = await setUp();
    const email = freshEmail();
    const path = await inviteAndRead(ctx, email);
    const inv = await Invitation.findOne({ email }).lean();
    expect((inv!.expiresAt.getTime() - Date.now()) / 86_400_000).toBeGreaterThan(6.99);
    await Invitation.updateOne({ _id: inv!._id }, { $set: { expiresAt: new Date(Date.now() - 1000) } });
    expect((await request(ctx.app).get(path)).status).toBe(404);
    expect((await accept(ctx, path, { username: `late${counter}`, displayName: 'Late Person', password: PASSWORD })).status).toBe(404);
    expect((await request(ctx.app).get('/admin/invitations').set('Cookie', ctx.adminSession.cookie)).text).toMatch(/>expired</);
  });
});
