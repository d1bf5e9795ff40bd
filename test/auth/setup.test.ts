// First run: while no account exists every page leads to /setup, which makes the first admin once.
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { User } from '../../src/users/user.model.js';
import { testApp } from '../support/app.js';
import { postAnonymous, sessionCookieFrom } from '../support/auth.js';
import { anonymousSession, sessionFor } from '../support/session.js';

const { app, config } = testApp();

const admin = { username: 'founder', email: 'founder@example.test', displayName: 'The Founder', password: 'violet kettle on the moor' };

describe('first-run setup', () => {
  it('sends every page to /setup while no account exists, sign-in and sign-up included', async () => {
    for (const path of ['/', '/signin', '/signup', '/account', '/posts/anything']) {
      const res = await request(app).get(path);
      expect(res.status, path).toBe(303);
      expect(res.headers.location).toBe('/setup');
    }
    const page = await request(app).get('/setup');
    expect(page.status).toBe(200);
    expect(page.text).toContain('action="/setup"');
    expect(page.headers['cache-control']).toBe('no-store');
  });

  it('refuses a setup without a valid CSRF token (403)', async () => {
    const missing = await request(app).post('/setup').type('form').send(admin);
    expect(missing.status).toBe(403);
    const s = anonymousSession(config);
    const wrong = await request(app).post('/setup').type('form').set('Cookie', s.cookie).send({ ...admin, _csrf: s.csrf.slice(1) + 'x' });
    expect(wrong.status).toBe(403);
    expect(await User.countDocuments()).toBe(0);
  });

  it('refuses a weak password with 422 and the form again, input kept but not the password', async () => {
    const res = await postAnonymous(app, config, '/setup', { ...admin, password: 'password123' });
    expect(res.status).toBe(422);
    expect(res.text).toContain('This password is too common.');
    expect(res.text).toContain('value="founder@example.test"');
    expect(res.text).not.toContain('password123');
    expect(await User.countDocuments()).toBe(0);
  });

  it('creates the first account as an admin, signs it in, and closes /setup for good', async () => {
    const res = await postAnonymous(app, config, '/setup', admin);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/admin');
    const cookie = sessionCookieFrom(res);

    const stored = await User.findOne({ username: 'founder' }).lean();
    expect(stored!.role).toBe('admin');
    expect(stored!.status).toBe('active');
    // Setup proves nothing about the mailbox, but it is the site's owner: never held back for verification.
    expect(stored!.emailVerifiedAt).toBeInstanceOf(Date);

    const account = await request(app).get('/account').set('Cookie', cookie);
    expect(account.status).toBe(200);
    expect(account.text).toContain('The Founder');

    expect((await request(app).get('/setup')).status).toBe(404);
    const again = await postAnonymous(app, config, '/setup', { ...admin, username: 'usurper', email: 'usurper@example.test' });
    expect(again.status).toBe(404);
    expect(await User.countDocuments({ role: 'admin' })).toBe(1);
    expect((await request(app).get('/')).status).toBe(200);
  });

  it('records that setup signed the admin in, so the users page does not call them "never signed in"', async () => {
    const founder = await User.findOne({ username: 'founder' }).lean();
    expect(founder!.lastSignInAt).toBeInstanceOf(Date);
    expect(founder!.lastSignInAt!.getTime()).toBeGreaterThanOrEqual(founder!.createdAt.getTime());
    // A session made directly, not through /signin, which would record a sign-in of its own.
    const users = await request(app).get('/admin/users').set('Cookie', sessionFor(founder!, config).cookie);
    expect(users.status).toBe(200);
    expect(users.text).toContain('founder');
    expect(users.text).not.toMatch(/never signed in/i);
  });

  it('makes later sign-ups readers', async () => {
    const res = await postAnonymous(app, config, '/signup', {
      username: 'second',
      email: 'second@example.test',
      displayName: 'Second',
      password: 'violet kettle on the moor',
    });
    expect(res.status).toBe(303);
    expect((await User.findOne({ username: 'second' }).lean())!.role).toBe('reader');
  });
});
