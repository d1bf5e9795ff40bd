// One signed-in user cannot slow everyone else down: per user, a few requests run at once, a few more
// wait, and a per-minute rate applies; beyond either, 429 with Retry-After, while other users are served.
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { USER_LIMITS } from '../../src/http/user-limits.js';
import { testApp } from '../support/app.js';
import { makeUser } from '../support/factories.js';
import { sessionFor } from '../support/session.js';

describe('per-user limits on signed-in pages', () => {
  it('answers one user flooding /dashboard with 429s while another user\'s /dashboard answers 200', async () => {
    const { app, config } = testApp();
    const flooding = await makeUser({ role: 'author' });
    const flooder = sessionFor(flooding, config);
    const flooderElsewhere = sessionFor(flooding, config);
    const other = sessionFor(await makeUser({ role: 'author' }), config);

    const flood = Array.from({ length: 30 }, () => request(app).get('/dashboard').set('Cookie', flooder.cookie));
    // The first answers come back while the flood is still being served: the other user asks then.
    await Promise.race(flood);
    const calm = await request(app).get('/dashboard').set('Cookie', other.cookie);
    expect(calm.status).toBe(200);

    const answers = await Promise.all(flood);
    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((s) => s !== 200 && s !== 429)).toEqual([]);
    // The first `concurrent + queued` are always served; the rest of an instant flood is turned away.
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(USER_LIMITS.concurrent + USER_LIMITS.queued);
    const refused = answers.filter((r) => r.status === 429);
    expect(refused.length).toBeGreaterThan(0);
    for (const r of refused) {
      expect(Number(r.headers['retry-after'])).toBeGreaterThan(0);
      expect(r.text).toContain('too many requests in progress');
    }
    // Signing out is never refused, even on another device of the flooding user in the middle of a flood.
    const stuck = Array.from({ length: 20 }, () => request(app).get('/dashboard').set('Cookie', flooder.cookie).then((r) => r.status));
    await Promise.race(stuck);
    const signOut = await request(app).post('/signout').set('Cookie', flooderElsewhere.cookie).type('form').send({ _csrf: flooderElsewhere.csrf });
    expect(signOut.status).toBe(303);
    expect(await Promise.all(stuck)).toContain(429);
    // Nothing is held after the flood: the flooder is served again.
    expect((await request(app).get('/dashboard').set('Cookie', flooder.cookie)).status).toBe(200);
  });

  it('limits the requests one user starts in a minute, not anyone else\'s, and not anonymous visitors', async () => {
    const { app, config } = testApp();
    const busy = sessionFor(await makeUser(), config);
    const other = sessionFor(await makeUser(), config);
    for (let i = 0; i < USER_LIMITS.perMinute; i++) {
      const res = await request(app).get('/no-such-page').set('Cookie', busy.cookie);
      expect(res.status).toBe(404);
    }
    const refused = await request(app).get('/account').set('Cookie', busy.cookie);
    expect(refused.status).toBe(429);
    expect(refused.text).toContain('too quickly');
    const retryAfter = Number(refused.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect((await request(app).get('/account').set('Cookie', other.cookie)).status).toBe(200);
    expect((await request(app).get('/no-such-page')).status).toBe(404);
  });
});
