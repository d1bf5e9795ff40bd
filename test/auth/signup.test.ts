import request from 'supertest';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_SETTINGS, saveSettings } from '../../src/site/settings.service.js';
import { User } from '../../src/users/user.model.js';
import { testApp } from '../support/app.js';
import { postAnonymous, sessionCookieFrom, setCookieFor } from '../support/auth.js';
import { makeUser } from '../support/factories.js';

const { app, config } = testApp();

let counter = 0;
function newAccount(overrides: Record<string, string> = {}) {
  counter++;
  return { username: `writer${counter}`, email: `writer${counter}@example.test`, displayName: `Writer ${counter}`, password: 'lantern orchard gravel tide', ...overrides };
}

describe('sign-up', () => {
  afterEach(() => vi.restoreAllMocks());

  it('shows the form', async () => {
    await makeUser({ role: 'admin' });
    const res = await request(app).get('/signup');
    expect(res.status).toBe(200);
    expect(res.text).toContain('action="/signup"');
    expect(res.text).toContain('autocomplete="new-password"');
  });

  it('creates a reader (username and email lower-cased), signs them in and goes home', async () => {
    const input = newAccount({ username: 'MixedCase', email: 'Mixed@Example.TEST' });
    const res = await postAnonymous(app, config, '/signup', input);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/');
    const cookie = sessionCookieFrom(res);
    const stored = await User.findOne({ username: 'mixedcase' }).lean();
    expect(stored).toMatchObject({ email: 'mixed@example.test', role: 'reader', status: 'active', tokenVersion: 0 });
    const account = await request(app).get('/account').set('Cookie', cookie);
    expect(account.status).toBe(200);
  });

  it('stores the password as scrypt with its cost and a random salt, never in clear', async () => {
    const a = newAccount();
    const b = newAccount({ password: a.password });
    await postAnonymous(app, config, '/signup', a);
    await postAnonymous(app, config, '/signup', b);
    const [ha, hb] = await Promise.all([User.findOne({ username: a.username }).lean(), User.findOne({ username: b.username }).lean()]);
    // test/setup.ts lowers the cost to 2^10; password.test.ts checks the default of 2^17.
    const format = /^scrypt\$10\$8\$1\$([\w-]{22})\$([\w-]{43})$/;
    expect(ha!.passwordHash).toMatch(format);
    expect(ha!.passwordHash).not.toContain(a.password);
    expect(format.exec(ha!.passwordHash)![1]).not.toBe(format.exec(hb!.passwordHash)![1]);
    expect(ha!.passwordHash).not.toBe(hb!.passwordHash);
  });

  const weak: Array<[string, (u: ReturnType<typeof newAccount>) => string, RegExp]> = [
    ['too short', () => 'Sh0rt!pw', /too short/],
    ['entirely numeric', () => '12345678901234', /entirely numeric/],
    ['common', () => 'password123', /too common/],
    ['common, in another case', () => 'QWERTYUIOP', /too common/],
    ['too similar to the username', (u) => `${u.username}!`, /too similar to your username/],
    ['too similar to the email', () => 'Margaret.Hamilton', /too similar to your email address/],
    ['over 256 bytes', () => 'é'.repeat(129), /at most 256 bytes/],
    ['only invisible characters', () => '\u200B\u2060\u200D'.repeat(4), /only spaces or invisible characters/],
    ['common once normalized (fullwidth)', () => 'ｐａｓｓｗｏｒｄ１２３', /too common/],
    ['a repeated pattern', () => 'abcabcabcabc', /too predictable/],
    ['a sequence', () => 'abcdefghijk', /too predictable/],
    ['a keyboard run', () => 'asdfghjkl;', /too predictable/],
  ];
  for (const [label, password, message] of weak) {
    it(`refuses a password that is ${label}: 422, the form again, input kept, password not echoed`, async () => {
      const input = newAccount({ email: 'margaret.hamilton@example.test' });
      input.password = password(input);
      const res = await postAnonymous(app, config, '/signup', input);
      expect(res.status).toBe(422);
      expect(res.text).toMatch(message);
      expect(res.text).toContain('action="/signup"');
      expect(res.text).toContain(`value="${input.username}"`);
      expect(res.text).toContain(`value="${input.displayName}"`);
      expect(res.text).not.toContain(`value="${input.password}"`);
      expect(res.text).not.toContain(input.password);
      expect(setCookieFor(res, 'quire_session')).toBeUndefined();
      expect(await User.exists({ username: input.username })).toBeNull();
    });
  }

  it('refuses a taken username or email with a message on the field (422)', async () => {
    const first = newAccount();
    await postAnonymous(app, config, '/signup', first);
    const sameName = await postAnonymous(app, config, '/signup', newAccount({ username: first.username.toUpperCase() }));
    expect(sameName.status).toBe(422);
    expect(sameName.text).toContain('That username is taken.');
    const sameEmail = await postAnonymous(app, config, '/signup', newAccount({ email: first.email }));
    expect(sameEmail.status).toBe(422);
    expect(sameEmail.text).toContain('An account with that email address already exists.');
  });

  it('turns the unique index error of a race (both checks passed) into the same 422', async () => {
    const first = newAccount();
    await postAnonymous(app, config, '/signup', first);
    // As if the other sign-up had been inserted between our check and our insert.
    vi.spyOn(User, 'exists').mockResolvedValue(null);
    const res = await postAnonymous(app, config, '/signup', newAccount({ email: first.email }));
    expect(res.status).toBe(422);
    expect(res.text).toContain('An account with that email address already exists.');
    const res2 = await postAnonymous(app, config, '/signup', newAccount({ username: first.username }));
    expect(res2.status).toBe(422);
    expect(res2.text).toContain('That username is taken.');
  });

  it('refuses invalid fields with messages, and operator objects as plain invalid input', async () => {
    const res = await postAnonymous(app, config, '/signup', newAccount({ username: 'no spaces!', email: 'not-an-email', displayName: '', password: 'password123' }));
    expect(res.status).toBe(422);
    // Every problem at once, the password's included.
    expect(res.text).toContain('This password is too common.');
    expect(res.text).toContain('Use only letters, digits');
    expect(res.text).toContain('Enter a valid email address.');
    expect(res.text).toContain('Enter a display name.');
    expect(res.text).toContain('value="not-an-email"');
  });

  it('is closed (403) when the site settings say so', async () => {
    await saveSettings({ ...DEFAULT_SETTINGS, signupOpen: false });
    try {
      const page = await request(app).get('/signup');
      expect(page.status).toBe(403);
      expect(page.text).toContain('Sign-up is closed');
      const post = await postAnonymous(app, config, '/signup', newAccount());
      expect(post.status).toBe(403);
      const signin = await request(app).get('/signin');
      expect(signin.text).not.toContain('href="/signup"');
    } finally {
      await saveSettings({ ...DEFAULT_SETTINGS });
    }
  });

  it('limits the accounts made from one address (429 with Retry-After)', async () => {
    // An address of its own: the counters are in the database, shared with every other test in this file.
    const limited = testApp({ trustProxy: 1 });
    const answers = [];
    for (let i = 0; i < 11; i++) answers.push(await postAnonymous(limited.app, limited.config, '/signup', newAccount(), { ip: '198.51.100.30' }));
    expect(answers.slice(0, 10).every((r) => r.status === 303)).toBe(true);
    expect(answers[10]!.status).toBe(429);
    expect(Number(answers[10]!.headers['retry-after'])).toBeGreaterThan(0);
  });
});
