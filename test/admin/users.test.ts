// /admin/users: listing and search, role changes, suspension ending live sessions, signing out
// everywhere, the last-admin and self rules, and deleting a user with their content reassigned or deleted.
import request from 'supertest';
import { beforeEach, describe, expect, it } from 'vitest';
import { AuditEntry } from '../../src/site/audit.model.js';
import { changeRole, setStatus } from '../../src/admin/users.admin.service.js';
import { Media } from '../../src/media/media.model.js';
import { Post } from '../../src/posts/post.model.js';
import { User } from '../../src/users/user.model.js';
import { makeMedia } from '../support/media.js';
import { makePost } from '../support/posts.js';
import { testApp } from '../support/app.js';
import { postSignIn } from '../support/auth.js';
import { DEFAULT_PASSWORD, makeUser } from '../support/factories.js';
import { cookiesFrom, sessionFor, type TestSession } from '../support/session.js';

const { app, config } = testApp();

async function post(session: TestSession, url: string, body: Record<string, string | string[]> = {}) {
  return request(app).post(url).set('Cookie', session.cookie).type('form').send({ ...body, _csrf: session.csrf });
}

/** The flash shown on the page a 303 leads to. */
async function flashAfter(res: request.Response, session: TestSession): Promise<string> {
  const flash = String(res.headers['set-cookie'] ?? '').match(/quire_flash=[^;]+/)?.[0] ?? '';
  const page = await request(app).get(res.headers.location!).set('Cookie', `${session.cookie}; ${flash}`);
  return page.text;
}

/** The newest entry for this action on this user (entries from earlier tests stay: the log is append-only). */
const lastAudit = (action: string, target: { _id: unknown }) =>
  AuditEntry.findOne({ action, targetId: String(target._id) }).sort({ at: -1, _id: -1 }).lean();

let admin: Awaited<ReturnType<typeof makeUser>>;
let adminSession: TestSession;

beforeEach(async () => {
  await User.deleteMany({});
  admin = await makeUser({ role: 'admin', displayName: 'Ada Admin', username: 'ada' });
  adminSession = sessionFor(admin, config);
});

describe('the users list', () => {
  it('lists users with role, status and actions, newest first', async () => {
    await makeUser({ displayName: 'Older Reader', username: 'older' });
    await makeUser({ displayName: 'Newer Author', username: 'newer', role: 'author', status: 'suspended' });
    const res = await request(app).get('/admin/users').set('Cookie', adminSession.cookie);
    expect(res.status).toBe(200);
    expect(res.text.indexOf('Newer Author')).toBeLessThan(res.text.indexOf('Older Reader'));
    expect(res.text).toContain('Reactivate');
    expect(res.text).toMatch(/action="\/admin\/users\/[a-f0-9]{24}\/signout"/);
    expect(res.text).toMatch(/action="\/admin\/users\/[a-f0-9]{24}\/role"/);
  });

  it('searches name, username and email case-insensitively', async () => {
    await makeUser({ displayName: 'Grace Hopper', username: 'grace' });
    await makeUser({ displayName: 'Alan Turing', username: 'alan', email: 'turing@bletchley.test' });
    const byName = await request(app).get('/admin/users?q=HOPPER').set('Cookie', adminSession.cookie);
    expect(byName.text).toContain('Grace Hopper');
    expect(byName.text).not.toContain('Alan Turing');
    const byEmail = await request(app).get('/admin/users?q=bletchley').set('Cookie', adminSession.cookie);
    expect(byEmail.text).toContain('Alan Turing');
    expect(byEmail.text).not.toContain('Grace Hopper');
  });

  it('treats the search as literal text: ".*" matches nobody here and "(" does not crash', async () => {
    await makeUser({ displayName: 'Grace Hopper', username: 'grace' });
    const star = await request(app).get('/admin/users?q=.*').set('Cookie', adminSession.cookie);
    expect(star.status).toBe(200);
    expect(star.text).not.toContain('Grace Hopper');
    expect(star.text).toContain('No users match');
    const paren = await request(app).get('/admin/users?q=(').set('Cookie', adminSession.cookie);
    expect(paren.status).toBe(200);
    const operator = await request(app).get('/admin/users?q[$ne]=x').set('Cookie', adminSession.cookie);
    expect(operator.status).toBe(200);
  });

  it('filters by role and status, ignoring values that are not one', async () => {
    await makeUser({ displayName: 'Ed Editor', role: 'editor' });
    await makeUser({ displayName: 'Sam Suspended', status: 'suspended' });
    const editors = await request(app).get('/admin/users?role=editor').set('Cookie', adminSession.cookie);
    expect(editors.text).toContain('Ed Editor');
    expect(editors.text).not.toContain('Sam Suspended');
    const suspended = await request(app).get('/admin/users?status=suspended').set('Cookie', adminSession.cookie);
    expect(suspended.text).toContain('Sam Suspended');
    expect(suspended.text).not.toContain('Ed Editor');
    const bogus = await request(app).get('/admin/users?role=superuser').set('Cookie', adminSession.cookie);
    expect(bogus.status).toBe(200);
    expect(bogus.text).toContain('Ed Editor');
  });

  it('shows 25 users a page with a link to the next', async () => {
    await User.insertMany(
      Array.from({ length: 30 }, (_, i) => ({
        username: `bulk${i}`,
        email: `bulk${i}@example.test`,
        displayName: `Bulk ${String(i).padStart(2, '0')}`,
        passwordHash: 'x',
        createdAt: new Date(Date.UTC(2020, 0, 1 + i)),
      })),
    );
    const first = await request(app).get('/admin/users?q=bulk').set('Cookie', adminSession.cookie);
    expect(first.text.match(/action="\/admin\/users\/[a-f0-9]{24}\/role"/g)).toHaveLength(25);
    expect(first.text).toContain('Page 1 of 2');
    // The site's one date style (src/http/format.ts), as on public pages, not a second admin style.
    expect(first.text).toContain('<time datetime="2020-01-30T00:00:00.000Z">January 30, 2020</time>');
    expect(first.text).toContain('href="/admin/users?q=bulk&amp;page=2"');
    const second = await request(app).get('/admin/users?q=bulk&page=2').set('Cookie', adminSession.cookie);
    expect(second.text.match(/action="\/admin\/users\/[a-f0-9]{24}\/role"/g)).toHaveLength(5);
    expect(second.text).toContain('Bulk 00');
  });
});

describe('changing a role', () => {
  it('changes it, returns to the list with a message, and audits who, what, target and address', async () => {
    const reader = await makeUser({ displayName: 'Rita Reader', username: 'rita' });
    const res = await post(adminSession, `/admin/users/${reader._id}/role`, { role: 'editor', back: '?q=rita' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/admin/users?q=rita');
    expect((await User.findById(reader._id).lean())!.role).toBe('editor');
    expect(await flashAfter(res, adminSession)).toContain('Rita Reader (@rita) is now an editor.');
    const entry = await lastAudit('user.role', reader);
    expect(entry).toMatchObject({ actorName: 'Ada Admin', targetType: 'user', targetId: String(reader._id), detail: 'reader -> editor' });
    expect(String(entry!.actor)).toBe(String(admin._id));
    expect(entry!.ip).toMatch(/127\.0\.0\.1|::1/);
  });

  it('takes effect on the next request of the changed user', async () => {
    const author = await makeUser({ role: 'author' });
    const session = sessionFor(author, config);
    expect((await request(app).get('/admin/posts').set('Cookie', session.cookie)).status).toBe(403);
    await post(adminSession, `/admin/users/${author._id}/role`, { role: 'editor' });
    expect((await request(app).get('/admin/posts').set('Cookie', session.cookie)).status).toBe(200);
  });

  it('refuses a role that does not exist', async () => {
    const reader = await makeUser();
    const res = await post(adminSession, `/admin/users/${reader._id}/role`, { role: 'superuser' });
    expect(res.status).toBe(422);
    expect((await User.findById(reader._id).lean())!.role).toBe('reader');
  });

  it('answers 404 for an unknown or malformed id', async () => {
    expect((await post(adminSession, '/admin/users/0123456789abcdef01234567/role', { role: 'author' })).status).toBe(404);
    expect((await post(adminSession, '/admin/users/nope/role', { role: 'author' })).status).toBe(404);
  });

  it('does not let an admin change their own role', async () => {
    await makeUser({ role: 'admin' });
    const res = await post(adminSession, `/admin/users/${admin._id}/role`, { role: 'reader' });
    expect(res.status).toBe(303);
    expect(await flashAfter(res, adminSession)).toContain('You cannot change the role of your own account');
    expect((await User.findById(admin._id).lean())!.role).toBe('admin');
    expect(await lastAudit('user.role', admin)).toBeNull();
  });
});

describe('suspending and reactivating', () => {
  it('ends a live session at once, refuses sign-in, and is audited', async () => {
    const author = await makeUser({ role: 'author', username: 'sus', displayName: 'Sue Spended' });
    const session = sessionFor(author, config);
    const before = await request(app).get('/admin').set('Cookie', session.cookie);
    expect(before.status).toBe(403); // signed in (an author), just not allowed here
    const home = await request(app).get('/').set('Cookie', session.cookie);
    expect(home.text).toContain('Sue Spended');

    const res = await post(adminSession, `/admin/users/${author._id}/status`, { status: 'suspended' });
    expect(res.status).toBe(303);
    expect(await flashAfter(res, adminSession)).toContain('is suspended and signed out everywhere');

    const after = await request(app).get('/admin').set('Cookie', session.cookie);
    expect(after.status).toBe(303);
    expect(after.headers.location).toBe('/signin?next=%2Fadmin');
    const homeAfter = await request(app).get('/').set('Cookie', session.cookie);
    expect(homeAfter.text).not.toContain('Sue Spended');

    const signIn = await postSignIn(app, config, { identifier: 'sus', password: DEFAULT_PASSWORD });
    expect(signIn.status).toBe(403);
    expect(signIn.headers['set-cookie'] ?? []).not.toEqual(expect.arrayContaining([expect.stringMatching(/^quire_session=[^;]+\./)]));

    expect(await lastAudit('user.suspend', author)).toMatchObject({ targetId: String(author._id), actorName: 'Ada Admin', detail: 'active -> suspended' });
  });

  it('reactivates: the user may sign in again, old sessions stay ended', async () => {
    const author = await makeUser({ role: 'author', username: 'back' });
    const oldSession = sessionFor(author, config);
    await post(adminSession, `/admin/users/${author._id}/status`, { status: 'suspended' });
    const res = await post(adminSession, `/admin/users/${author._id}/status`, { status: 'active' });
    expect(res.status).toBe(303);
    expect((await User.findById(author._id).lean())!.status).toBe('active');
    expect((await request(app).get('/dashboard').set('Cookie', oldSession.cookie)).status).toBe(303);
    const signIn = await postSignIn(app, config, { identifier: 'back', password: DEFAULT_PASSWORD });
    expect(signIn.status).toBe(303);
    expect(await lastAudit('user.reactivate', author)).toMatchObject({ targetId: String(author._id), detail: 'suspended -> active' });
  });

  it('does not let an admin suspend themself', async () => {
    await makeUser({ role: 'admin' });
    const res = await post(adminSession, `/admin/users/${admin._id}/status`, { status: 'suspended' });
    expect(res.status).toBe(303);
    expect(await flashAfter(res, adminSession)).toContain('You cannot suspend your own account');
    expect(await User.findById(admin._id).lean()).toMatchObject({ status: 'active', tokenVersion: 0 });
  });
});

describe('signing a user out everywhere', () => {
  it('ends every session of that user only, and is audited', async () => {
    const editor = await makeUser({ role: 'editor' });
    const phone = sessionFor(editor, config);
    const laptop = sessionFor(editor, config);
    expect((await request(app).get('/admin').set('Cookie', phone.cookie)).status).toBe(200);
    const res = await post(adminSession, `/admin/users/${editor._id}/signout`);
    expect(res.status).toBe(303);
    expect(await flashAfter(res, adminSession)).toContain('is signed out on every device');
    expect((await request(app).get('/admin').set('Cookie', phone.cookie)).status).toBe(303);
    expect((await request(app).get('/admin').set('Cookie', laptop.cookie)).status).toBe(303);
    expect((await request(app).get('/admin').set('Cookie', adminSession.cookie)).status).toBe(200);
    expect((await User.findById(editor._id).lean())!.status).toBe('active');
    expect(await lastAudit('user.signout', editor)).toMatchObject({ targetId: String(editor._id), actorName: 'Ada Admin' });
  });
});

describe('the last admin', () => {
  it('cannot be demoted, suspended or deleted, by themself or through the service', async () => {
    // An admin who is suspended does not count: Ada is the last active one.
    await makeUser({ role: 'admin', status: 'suspended' });
    for (const [url, body] of [
      [`/admin/users/${admin._id}/role`, { role: 'editor' }],
      [`/admin/users/${admin._id}/status`, { status: 'suspended' }],
      [`/admin/users/${admin._id}/delete`, { plan: 'delete' }],
    ] as const) {
      const res = await post(adminSession, url, body);
      expect(res.status).toBe(303);
      expect(await flashAfter(res, adminSession)).toMatch(/alert-danger[^>]*>You cannot/);
    }
    // Other callers (a script acting as someone else) meet the count rule.
    const script = { actor: { id: String(admin._id).replace(/.$/, (c) => (c === '0' ? '1' : '0')), displayName: 'script', role: 'admin' as const } };
    await expect(changeRole(script, String(admin._id), 'editor')).rejects.toThrow(/at least one active admin/);
    await expect(setStatus(script, String(admin._id), 'suspended')).rejects.toThrow(/at least one active admin/);
    expect(await User.findById(admin._id).lean()).toMatchObject({ role: 'admin', status: 'active', tokenVersion: 0 });
    expect(await AuditEntry.countDocuments({ targetId: String(admin._id) })).toBe(0);
  });

  it('the delete page says so instead of offering the button', async () => {
    const res = await request(app).get(`/admin/users/${admin._id}/delete`).set('Cookie', adminSession.cookie);
    expect(res.status).toBe(200);
    expect(res.text).toContain('You cannot delete your own account');
    expect(res.text).not.toContain(`action="/admin/users/${admin._id}/delete"`);
  });

  it('with a second active admin, one admin may demote the other', async () => {
    const other = await makeUser({ role: 'admin' });
    const res = await post(adminSession, `/admin/users/${other._id}/role`, { role: 'editor' });
    expect(res.status).toBe(303);
    expect((await User.findById(other._id).lean())!.role).toBe('editor');
  });

  it('two admins demoting each other at the same moment leave at least one admin', async () => {
    const other = await makeUser({ role: 'admin' });
    const otherSession = sessionFor(other, config);
    await Promise.all([
      post(adminSession, `/admin/users/${other._id}/role`, { role: 'reader' }),
      post(otherSession, `/admin/users/${admin._id}/role`, { role: 'reader' }),
    ]);
    expect(await User.countDocuments({ role: 'admin', status: 'active' })).toBeGreaterThanOrEqual(1);
  });
});

describe('deleting a user', () => {
  it('shows a confirmation page with what they own and who may receive it', async () => {
    const author = await makeUser({ role: 'author', displayName: 'Otto Author' });
    await makeUser({ role: 'editor', displayName: 'Erin Editor' });
    await makeUser({ role: 'reader', displayName: 'Rory Reader' });
    await makePost({ author });
    await makePost({ author });
    await makeMedia(author);
    const res = await request(app).get(`/admin/users/${author._id}/delete`).set('Cookie', adminSession.cookie);
    expect(res.status).toBe(200);
    expect(res.text).toContain('2 posts');
    expect(res.text).toContain('1 image');
    expect(res.text).toContain('Erin Editor');
    expect(res.text).not.toContain('Rory Reader');
    expect(res.text).toContain('name="plan" id="plan-reassign" value="reassign"');
    expect(res.text).toContain('value="delete"');
  });

  it('reassigns their posts and media to the chosen author, and is audited', async () => {
    const author = await makeUser({ role: 'author', displayName: 'Otto Author' });
    const heir = await makeUser({ role: 'editor', displayName: 'Erin Editor' });
    const postA = await makePost({ author, status: 'published' });
    const image = await makeMedia(author);
    const session = sessionFor(author, config);
    const res = await post(adminSession, `/admin/users/${author._id}/delete`, { plan: 'reassign', to: String(heir._id) });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/admin/users');
    expect(await flashAfter(res, adminSession)).toContain('now belong to Erin Editor');
    expect(await User.exists({ _id: author._id })).toBeNull();
    expect(String((await Post.findById(postA._id).lean())!.author)).toBe(String(heir._id));
    expect(String((await Media.findById(image._id).lean())!.owner)).toBe(String(heir._id));
    expect((await request(app).get('/').set('Cookie', session.cookie)).text).not.toContain('Otto Author');
    expect(await lastAudit('user.delete', author)).toMatchObject({
      targetId: String(author._id),
      targetLabel: expect.stringContaining('Otto Author'),
      detail: expect.stringContaining('1 post and 1 image reassigned to Erin Editor'),
    });
  });

  it('deletes their posts and media through the posts and media services', async () => {
    const author = await makeUser({ role: 'author' });
    const other = await makeUser({ role: 'author' });
    const own = await makePost({ author, status: 'published' });
    const image = await makeMedia(author);
    // An editor gave the other author's post this image as cover (authors may only choose their own).
    const othersPost = await makePost({ author: other });
    await Post.updateOne({ _id: othersPost._id }, { $set: { coverMediaId: image._id, coverAlt: 'A cover' } });
    const res = await post(adminSession, `/admin/users/${author._id}/delete`, { plan: 'delete' });
    expect(res.status).toBe(303);
    expect(await User.exists({ _id: author._id })).toBeNull();
    expect(await Post.exists({ _id: own._id })).toBeNull();
    expect(await Media.exists({ _id: image._id })).toBeNull();
    // Another author's post loses the cover rather than pointing at nothing.
    expect((await Post.findById(othersPost._id).lean())!.coverMediaId ?? null).toBeNull();
    expect(await AuditEntry.countDocuments({ action: 'post.delete', targetId: String(own._id) })).toBe(1);
    expect(await AuditEntry.countDocuments({ action: 'media.delete', targetId: String(image._id) })).toBe(1);
    expect(await lastAudit('user.delete', author)).toMatchObject({ detail: '1 post and 1 image deleted' });
  });

  it('needs an active author, editor or admin to reassign to (422, nothing deleted)', async () => {
    const author = await makeUser({ role: 'author' });
    const reader = await makeUser({ role: 'reader' });
    const suspended = await makeUser({ role: 'editor', status: 'suspended' });
    await makePost({ author });
    for (const to of ['', String(reader._id), String(suspended._id), String(author._id), 'not-an-id']) {
      const res = await post(adminSession, `/admin/users/${author._id}/delete`, { plan: 'reassign', to });
      expect(res.status).toBe(422);
      expect(res.text).toContain('What happens to their posts and media?');
    }
    expect(await User.exists({ _id: author._id })).not.toBeNull();
    expect(await User.findById(author._id).lean()).toMatchObject({ status: 'active', tokenVersion: 0 });
    expect(await Post.countDocuments({ author: author._id })).toBe(1);
  });
});

describe('a suspended user is told why', () => {
  it('on the page their next request renders, and on the sign-in page when it is sent there', async () => {
    const author = await makeUser({ role: 'author', displayName: 'Tess Told' });
    const session = sessionFor(author, config);
    expect((await post(adminSession, `/admin/users/${author._id}/status`, { status: 'suspended' })).status).toBe(303);

    const home = await request(app).get('/').set('Cookie', session.cookie);
    expect(home.status).toBe(200);
    expect(home.text).toContain('Your account has been suspended by an administrator');
    expect(home.text).not.toContain('Tess Told');
    expect(home.headers['cache-control']).toMatch(/no-store/);

    const guarded = await request(app).get('/dashboard').set('Cookie', session.cookie);
    expect(guarded.status).toBe(303);
    expect(guarded.headers.location).toBe('/signin?next=%2Fdashboard');
    const flash = cookiesFrom(guarded.headers['set-cookie']).split('; ').find((c) => c.startsWith('quire_flash='));
    const signInPage = await request(app).get(guarded.headers.location!).set('Cookie', flash!);
    expect(signInPage.text).toContain('Your account has been suspended by an administrator');
  });

  it('is not said to anyone else: an active account, a forged cookie', async () => {
    const active = await makeUser({ role: 'author' });
    const page = await request(app).get('/').set('Cookie', sessionFor(active, config).cookie);
    expect(page.text).not.toContain('has been suspended');
    // A session token of a suspended account, signed with another key, tells nothing.
    const suspended = await makeUser({ status: 'suspended' });
    const forged = sessionFor(suspended, { jwtSecret: 'another-secret-that-is-long-enough-for-hs256-00000' });
    expect((await request(app).get('/').set('Cookie', forged.cookie)).text).not.toContain('has been suspended');
  });
});
