// Every state-changing account route refuses a missing or wrong CSRF token with 403, anonymous forms
// included, before doing anything.
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { User } from '../../src/users/user.model.js';
import { testApp } from '../support/app.js';
import { setCookieFor } from '../support/auth.js';
import { DEFAULT_PASSWORD, makeUser } from '../support/factories.js';
import { anonymousSession, sessionFor, type TestSession } from '../support/session.js';

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
