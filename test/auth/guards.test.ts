// The guards other routers use: anonymous visitors are sent to sign in (303, keeping where they were
// going), signed-in users without the role or capability get 403.
import cookieParser from 'cookie-parser';
import express from 'express';
import { pino } from 'pino';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { deriveKeys } from '../../src/auth/keys.js';
import { loadUser } from '../../src/auth/middleware.js';
import { requireAuth, requireCan } from '../../src/site/guards.js';
import { can } from '../../src/site/permissions.js';
import { errorHandler } from '../../src/http/error-handler.js';
import { configureViews } from '../../src/http/views.js';
import { DEFAULT_SETTINGS, getSettings, loadedSettings } from '../../src/site/settings.service.js';
import { User } from '../../src/users/user.model.js';
import { TEST_SECRET, testConfig } from '../support/app.js';
import { makeUser } from '../support/factories.js';
import { sessionFor } from '../support/session.js';

const config = testConfig();
const guarded = express();
configureViews(guarded);
guarded.use(cookieParser());
guarded.use(loadUser(deriveKeys(TEST_SECRET).session, false));
guarded.get('/any', requireAuth, (req, res) => void res.send(`hello ${req.user!.username}`));
guarded.get('/upload', requireCan('media:upload'), (_req, res) => void res.send('uploads'));
guarded.get('/settings', requireCan('settings:manage'), (_req, res) => void res.send('settings'));
guarded.use(errorHandler(pino({ level: 'silent' }), false, { siteUrl: config.siteUrl, loadedSettings, getSettings, defaultSettings: DEFAULT_SETTINGS, can }));

const as = async (role: 'reader' | 'author' | 'editor' | 'admin') => sessionFor(await makeUser({ role }), config).cookie;

describe('guards', () => {
  it('sends anonymous visitors to sign in with a 303, keeping the path and query', async () => {
    for (const path of ['/any', '/settings', '/upload?x=1']) {
      const res = await request(guarded).get(path);
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe(`/signin?next=${encodeURIComponent(path)}`);
    }
  });

  it('requireCan follows the capability table', async () => {
    expect((await request(guarded).get('/upload').set('Cookie', await as('reader'))).status).toBe(403);
    expect((await request(guarded).get('/upload').set('Cookie', await as('author'))).status).toBe(200);
    expect((await request(guarded).get('/settings').set('Cookie', await as('editor'))).status).toBe(403);
    expect((await request(guarded).get('/settings').set('Cookie', await as('admin'))).status).toBe(200);
  });

  it('takes a demotion into account on the next request', async () => {
    const admin = await makeUser({ role: 'admin' });
    const cookie = sessionFor(admin, config).cookie;
    expect((await request(guarded).get('/settings').set('Cookie', cookie)).status).toBe(200);
    await User.updateOne({ _id: admin._id }, { $set: { role: 'editor' } });
    expect((await request(guarded).get('/settings').set('Cookie', cookie)).status).toBe(403);
  });
});
