import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { AuditEntry } from '../../src/site/audit.model.js';
import { verifyPassword } from '../../src/users/password.js';
import { User } from '../../src/users/user.model.js';
import { testApp } from '../support/app.js';
import { postSignIn, sessionCookieFrom, setCookieFor } from '../support/auth.js';
import { DEFAULT_PASSWORD, makeUser } from '../support/factories.js';
import { sessionFor, withSessionCookie } from '../support/session.js';

const { app, config } = testApp();
const NEW_PASSWORD = 'saffron meadow under rain';

function post(path: string, s: { cookie: string; csrf: string }, body: Record<string, string>) {
  return request(app).post(path).type('form').set('Cookie', s.cookie).send({ _csrf: s.csrf, ...body });
}

describe('the account page', () => {
  beforeAll(async () => {
    await makeUser({ role: 'admin' });
  });

  it('sends anonymous visitors to sign in, and back here afterwards', async () => {
    const res = await request(app).get('/account');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/signin?next=%2Faccount');
    const write = await request(app).post('/account/password').type('form').send({});
    expect(write.status).toBe(403); // CSRF first: an anonymous POST has no token
  });

  it('shows the profile, the avatar, and the forms; never cached', async () => {
    const user = await makeUser({ displayName: 'Katherine Johnson', bio: 'Computes trajectories.' });
    const res = await request(app).get('/account').set('Cookie', sessionFor(user, config).cookie);
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.text).toContain('value="Katherine Johnson"');
    expect(res.text).toContain('Computes trajectories.');
    expect(res.text).toContain(`value="${user.email}"`);
    expect(res.text).toContain('src="/public/img/avatar-default.svg"');
    expect(res.text).toMatch(/action="\/account\/avatar\?_csrf=[\w%-]+" enctype="multipart\/form-data"/);
    expect(res.text).toContain('action="/account/password"');
    expect(res.text).toContain('action="/account/signout-everywhere"');
    // Readers have no public author page to link to; authors do.
    expect(res.text).not.toContain('See your public page');
    const author = await makeUser({ role: 'author' });
    const authorPage = await request(app).get('/account').set('Cookie', sessionFor(author, config).cookie);
    expect(authorPage.text).toContain(`href="/authors/${author.username}"`);
  });

  it('saves display name, bio and email, and shows them in the header', async () => {
    const user = await makeUser();
    const s = sessionFor(user, config);
    const res = await post('/account', s, { displayName: '  Dorothy Vaughan ', bio: 'Leads the West Computers.', email: 'Dorothy@Example.TEST' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/account');
    const stored = await User.findById(user._id).lean();
    expect(stored).toMatchObject({ displayName: 'Dorothy Vaughan', bio: 'Leads the West Computers.', email: 'dorothy@example.test' });
    const page = await request(app).get('/account').set('Cookie', s.cookie);
    expect(page.text).toContain('<span class="nav-account-name">Dorothy Vaughan</span>');
  });

  it('refuses invalid input with 422, messages, and the input kept', async () => {
    const user = await makeUser({ displayName: 'Before' });
    const s = sessionFor(user, config);
    const res = await post('/account', s, { displayName: '', bio: 'x'.repeat(2001), email: 'nope' });
    expect(res.status).toBe(422);
    expect(res.text).toContain('Enter a display name.');
    expect(res.text).toContain('at most 2000 characters');
    expect(res.text).toContain('Enter a valid email address.');
    expect(res.text).toContain('value="nope"');
    expect((await User.findById(user._id).lean())!.displayName).toBe('Before');
  });

  it("refuses another account's email (422 on the field)", async () => {
    const other = await makeUser({ email: 'taken@example.test' });
    const user = await makeUser();
    const res = await post('/account', sessionFor(user, config), { displayName: 'X', bio: '', email: 'TAKEN@example.test' });
    expect(res.status).toBe(422);
    expect(res.text).toContain('An account with that email address already exists.');
    expect(other.email).toBe('taken@example.test');
    // Keeping one's own email is fine.
    const same = await post('/account', sessionFor(user, config), { displayName: 'X', bio: '', email: user.email });
    expect(same.status).toBe(303);
  });

  it('refuses operator objects in a JSON body (422)', async () => {
    const user = await makeUser();
    const s = sessionFor(user, config);
    const res = await request(app)
      .post('/account')
      .set('Cookie', s.cookie)
      .set('x-csrf-token', s.csrf)
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ displayName: 'X', bio: '', email: { $ne: null } }));
    expect(res.status).toBe(422);
  });
});

describe('changing the password', () => {
  it('needs the current password (422, nothing changed)', async () => {
    const user = await makeUser();
    const res = await post('/account/password', sessionFor(user, config), { currentPassword: 'not my password', newPassword: NEW_PASSWORD });
    expect(res.status).toBe(422);
    expect(res.text).toContain('Your current password is incorrect.');
    expect(res.text).not.toContain(NEW_PASSWORD);
    expect(res.text).not.toContain('not my password');
    const stored = await User.findById(user._id).lean();
    expect(stored!.tokenVersion).toBe(0);
    expect((await verifyPassword(DEFAULT_PASSWORD, stored!.passwordHash)).ok).toBe(true);
  });

  it('applies the password rules to the new one, with the account as context', async () => {
    const user = await makeUser({ username: 'katherine_j' });
    const s = sessionFor(user, config);
    for (const [weak, message] of [
      ['short', /too short/],
      ['password1234', /too common/],
      ['Katherine_J!', /similar to your username/],
      ['9'.repeat(12), /entirely numeric/],
      ['x'.repeat(257), /256 bytes/],
    ] as const) {
      const res = await post('/account/password', s, { currentPassword: DEFAULT_PASSWORD, newPassword: weak });
      expect(res.status, weak).toBe(422);
      expect(res.text).toMatch(message);
      expect(res.text).not.toContain(`value="${weak}"`);
    }
  });

  it('changes it, ends every other session, and keeps this browser signed in with a new cookie', async () => {
    const user = await makeUser();
    const thisBrowser = sessionFor(user, config);
    const otherBrowser = sessionFor(user, config);
    const res = await post('/account/password', thisBrowser, { currentPassword: DEFAULT_PASSWORD, newPassword: NEW_PASSWORD });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/account');
    const renewed = sessionCookieFrom(res);
    expect(setCookieFor(res, 'quire_session')).toMatch(/HttpOnly/);

    const stored = await User.findById(user._id).lean();
    expect(stored!.tokenVersion).toBe(1);
    expect((await verifyPassword(NEW_PASSWORD, stored!.passwordHash)).ok).toBe(true);
    expect((await verifyPassword(DEFAULT_PASSWORD, stored!.passwordHash)).ok).toBe(false);

    expect((await request(app).get('/account').set('Cookie', otherBrowser.cookie)).status).toBe(303);
    expect((await request(app).get('/account').set('Cookie', thisBrowser.cookie)).status).toBe(303);
    expect((await request(app).get('/account').set('Cookie', renewed)).status).toBe(200);

    // The old password no longer signs in; the new one does.
    expect((await postSignIn(app, config, { identifier: user.username, password: DEFAULT_PASSWORD })).status).toBe(401);
    expect((await postSignIn(app, config, { identifier: user.username, password: NEW_PASSWORD })).status).toBe(303);
    expect(await AuditEntry.exists({ action: 'user.password', targetId: String(user._id) })).not.toBeNull();
  });

  it('limits wrong current passwords per user (429 with Retry-After)', async () => {
    const limited = testApp();
    const user = await makeUser();
    const s = sessionFor(user, limited.config);
    const attempt = (current: string) =>
      request(limited.app).post('/account/password').type('form').set('Cookie', s.cookie).send({ _csrf: s.csrf, currentPassword: current, newPassword: NEW_PASSWORD });
    for (let i = 0; i < 10; i++) expect((await attempt(`guess ${i}`)).status).toBe(422);
    const locked = await attempt(DEFAULT_PASSWORD);
    expect(locked.status).toBe(429);
    expect(locked.headers['retry-after']).toMatch(/^\d+$/);
    expect((await User.findById(user._id).lean())!.tokenVersion).toBe(0);
  });
});

describe('sign out everywhere', () => {
  it('ends every other session and keeps this one', async () => {
    const user = await makeUser();
    const signIn = async () => sessionCookieFrom(await postSignIn(app, config, { identifier: user.username, password: DEFAULT_PASSWORD }));
    const laptop = await signIn();
    const phone = await signIn();
    const s = withSessionCookie(laptop, config);

    const res = await post('/account/signout-everywhere', s, {});
    expect(res.status).toBe(303);
    const renewed = sessionCookieFrom(res);
    expect((await request(app).get('/account').set('Cookie', phone)).status).toBe(303);
    expect((await request(app).get('/account').set('Cookie', laptop)).status).toBe(303);
    expect((await request(app).get('/account').set('Cookie', renewed)).status).toBe(200);
    expect((await User.findById(user._id).lean())!.tokenVersion).toBe(1);
  });
});

describe('profile edits in the audit log', () => {
  it('records display name and email changes with old and new values, the bio as changed, with actor and address', async () => {
    const user = await makeUser({ displayName: 'Before Name', bio: 'Old bio.' });
    const s = sessionFor(user, config);
    const res = await post('/account', s, { displayName: 'After Name', email: 'after-name@example.test', bio: 'New bio.' });
    expect(res.status).toBe(303);
    const entries = await AuditEntry.find({ action: 'user.profile', targetId: String(user._id) }).lean();
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ actorName: 'Before Name', targetLabel: user.username });
    expect(String(entries[0]!.actor)).toBe(String(user._id));
    expect(entries[0]!.ip).toBeTruthy();
    expect(entries[0]!.detail).toBe(`display name: “Before Name” → “After Name”; email: ${user.email} → after-name@example.test; bio changed`);

    // Saving without a change adds nothing; a refused edit adds nothing.
    expect((await post('/account', s, { displayName: 'After Name', email: 'after-name@example.test', bio: 'New bio.' })).status).toBe(303);
    expect((await post('/account', s, { displayName: '', email: 'after-name@example.test', bio: '' })).status).toBe(422);
    expect(await AuditEntry.countDocuments({ action: 'user.profile', targetId: String(user._id) })).toBe(1);
  });
});
