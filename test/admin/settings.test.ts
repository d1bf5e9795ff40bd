// /admin/settings: validated with zod (422 with the form kept), stored in the database, applied on the
// next request (title, posts per page, sign-up), and audited.
import request from 'supertest';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AuditEntry } from '../../src/site/audit.model.js';
import { DEFAULT_SETTINGS, forgetSettings, getSettings, saveSettings } from '../../src/site/settings.service.js';
import { Settings } from '../../src/site/settings.model.js';
import { makePost } from '../support/posts.js';
import { testApp } from '../support/app.js';
import { makeUser } from '../support/factories.js';
import { anonymousSession, sessionFor, type TestSession } from '../support/session.js';

const { app, config } = testApp();
let admin: TestSession;

const valid = { title: 'The Field Notes', tagline: 'Short dispatches', description: 'Notes from the field.', postsPerPage: '10', signupOpen: 'on', commentsEnabled: 'on', require2faForStaff: '' };

const save = (body: Record<string, string>, session = admin) =>
  request(app).post('/admin/settings').set('Cookie', session.cookie).type('form').send({ ...body, _csrf: session.csrf });

beforeAll(async () => {
  const user = await makeUser({ role: 'admin', displayName: 'Ada Admin' });
  admin = sessionFor(user, config);
});

beforeEach(async () => {
  await saveSettings({ ...DEFAULT_SETTINGS });
});

describe('the settings form', () => {
  it('shows the current settings', async () => {
    const res = await request(app).get('/admin/settings').set('Cookie', admin.cookie);
    expect(res.status).toBe(200);
    expect(res.text).toContain(`value="${DEFAULT_SETTINGS.title}"`);
    expect(res.text).toMatch(/id="signupOpen" name="signupOpen" value="on" checked/);
    expect(res.text).toMatch(/name="postsPerPage"[^>]*value="10"/);
  });

  it('saves to the database, says so, and is audited with what changed', async () => {
    const res = await save({ ...valid, signupOpen: '' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/admin/settings');
    expect(String(res.headers['set-cookie'])).toContain('Settings%20saved.');
    forgetSettings();
    expect(await getSettings()).toEqual({ title: 'The Field Notes', tagline: 'Short dispatches', description: 'Notes from the field.', postsPerPage: 10, signupOpen: false, commentsEnabled: true, cdnMaxAgeSeconds: 300, cdnStaleSeconds: 60, require2faForStaff: false, verifyEmailOnSignup: false });
    expect(await Settings.countDocuments()).toBe(1);
    const entry = await AuditEntry.findOne({ action: 'settings.update' }).sort({ at: -1, _id: -1 }).lean();
    expect(entry).toMatchObject({ actorName: 'Ada Admin', targetType: 'settings' });
    expect(entry!.detail).toContain('title: "Quire" -> "The Field Notes"');
    expect(entry!.detail).toContain('signupOpen: true -> false');
    expect(entry!.ip).toBeTruthy();
  });

  it('records nothing when nothing changed', async () => {
    const before = await AuditEntry.countDocuments({ action: 'settings.update' });
    const unchanged = {
      ...DEFAULT_SETTINGS,
      postsPerPage: String(DEFAULT_SETTINGS.postsPerPage),
      signupOpen: 'on',
      commentsEnabled: 'on',
      cdnMaxAgeSeconds: String(DEFAULT_SETTINGS.cdnMaxAgeSeconds),
      cdnStaleSeconds: String(DEFAULT_SETTINGS.cdnStaleSeconds),
      require2faForStaff: '',
      verifyEmailOnSignup: '',
    };
    const res = await save(unchanged);
    expect(res.status).toBe(303);
    expect(await AuditEntry.countDocuments({ action: 'settings.update' })).toBe(before);
  });

  it.each([
    ['an empty title', { title: '  ' }, 'title'],
    ['a title over 80 characters', { title: 'x'.repeat(81) }, 'title'],
    ['a tagline over 160 characters', { tagline: 'x'.repeat(161) }, 'tagline'],
    ['a description over 300 characters', { description: 'x'.repeat(301) }, 'description'],
    ['0 posts per page', { postsPerPage: '0' }, 'postsPerPage'],
    ['51 posts per page', { postsPerPage: '51' }, 'postsPerPage'],
    ['a fraction of a post per page', { postsPerPage: '2.5' }, 'postsPerPage'],
    ['words for posts per page', { postsPerPage: 'ten' }, 'postsPerPage'],
    ['a negative CDN lifetime', { cdnMaxAgeSeconds: '-1' }, 'cdnMaxAgeSeconds'],
    ['a CDN lifetime over a year', { cdnMaxAgeSeconds: '31536001' }, 'cdnMaxAgeSeconds'],
    ['stale pages for over a day', { cdnStaleSeconds: '86401' }, 'cdnStaleSeconds'],
    ['a fraction of a second stale', { cdnStaleSeconds: '1.5' }, 'cdnStaleSeconds'],
  ])('refuses %s with 422, the form kept and nothing saved', async (_name, change, field) => {
    const res = await save({ ...valid, ...change });
    expect(res.status).toBe(422);
    expect(res.text).toContain(`id="${field}-error"`);
    // The rest of what was typed is still there.
    expect(res.text).toContain(field === 'tagline' ? 'value="The Field Notes"' : 'value="Short dispatches"');
    expect(res.text).toContain('action="/admin/settings"');
    forgetSettings();
    expect((await getSettings()).title).toBe(DEFAULT_SETTINGS.title);
  });

  it('refuses operator objects in place of values', async () => {
    const res = await request(app)
      .post('/admin/settings')
      .set('Cookie', admin.cookie)
      .set('x-csrf-token', admin.csrf)
      .send({ ...valid, title: { $gt: '' } });
    expect(res.status).toBe(422);
  });
});

describe('settings take effect on the next request', () => {
  it('the site title shows on the home page at once', async () => {
    await request(app).get('/'); // fill any cache with the old title
    expect((await save(valid)).status).toBe(303);
    const home = await request(app).get('/');
    expect(home.text).toContain('The Field Notes');
    expect(home.text).not.toContain('<title>Quire');
  });

  it('posts per page changes the home page', async () => {
    const author = await makeUser({ role: 'author' });
    for (let i = 0; i < 3; i++) await makePost({ author, title: `Numbered entry ${i}`, status: 'published' });
    await save({ ...valid, postsPerPage: '2' });
    const home = await request(app).get('/');
    expect(home.text.match(/Numbered entry \d/g)?.length ?? 0).toBeGreaterThan(0);
    expect(new Set(home.text.match(/Numbered entry \d/g)).size).toBe(2);
    expect(home.text).toContain('?page=2');
  });

  it('closing sign-up refuses the sign-up page (403); opening it again allows it', async () => {
    const visitor = anonymousSession(config);
    await save({ ...valid, signupOpen: '' });
    expect((await request(app).get('/signup')).status).toBe(403);
    const attempt = await request(app)
      .post('/signup')
      .set('Cookie', visitor.cookie)
      .type('form')
      .send({ username: 'newbie', email: 'newbie@example.test', displayName: 'Newbie', password: 'a long enough passphrase 42', _csrf: visitor.csrf });
    expect(attempt.status).toBe(403);
    await save({ ...valid, signupOpen: 'on' });
    expect((await request(app).get('/signup')).status).toBe(200);
  });
});
