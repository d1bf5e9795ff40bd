import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { saveSettings, getSettings } from '../../src/admin/settings.service.js';
import { pino } from 'pino';
import { testConfig } from '../support/app.js';
import { makeUser } from '../support/factories.js';
import { sessionFor } from '../support/session.js';

const config = testConfig();
const app = createApp({ config, logger: pino({ level: 'silent' }), pageCache: true });

describe('anonymous page cache', () => {
  beforeAll(async () => {
    await makeUser({ role: 'admin' });
  });

  it('serves the second anonymous request from memory, pre-compressed, with the same ETag', async () => {
    const miss = await request(app).get('/').set('Accept-Encoding', 'identity');
    expect(miss.status).toBe(200);
    expect(miss.headers['x-page-cache']).toBe('miss');
    const hit = await request(app).get('/').set('Accept-Encoding', 'gzip, br').buffer(true).parse((res, cb) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => cb(null, Buffer.concat(chunks)));
    });
    expect(hit.headers['x-page-cache']).toBe('hit');
    expect(hit.headers['content-encoding']).toBe('br');
    expect(hit.headers.etag).toBe(miss.headers.etag);
    const gz = await request(app).get('/').set('Accept-Encoding', 'gzip').buffer(true).parse((res, cb) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => cb(null, Buffer.concat(chunks)));
    });
    expect(gz.headers['content-encoding']).toBe('gzip');
    // superagent inflates gzip itself: what arrives must be the page the miss rendered.
    expect((gz.body as Buffer).toString()).toBe(miss.text);
  });

  it('answers 304 to a matching If-None-Match', async () => {
    const page = await request(app).get('/');
    const again = await request(app).get('/').set('If-None-Match', page.headers.etag!);
    expect(again.status).toBe(304);
  });

  it('never serves or stores pages for signed-in users', async () => {
    const user = await makeUser({ displayName: 'Signed In Sam' });
    const s = sessionFor(user, config);
    await request(app).get('/');
    const res = await request(app).get('/').set('Cookie', s.cookie);
    expect(res.headers['x-page-cache']).toBeUndefined();
    expect(res.text).toContain('Signed In Sam');
    const anonymous = await request(app).get('/');
    expect(anonymous.text).not.toContain('Signed In Sam');
  });

  it('empties itself when content changes', async () => {
    await request(app).get('/');
    expect((await request(app).get('/')).headers['x-page-cache']).toBe('hit');
    await saveSettings({ ...(await getSettings()), title: 'Renamed Blog' });
    const after = await request(app).get('/');
    expect(after.headers['x-page-cache']).toBe('miss');
    expect(after.text).toContain('Renamed Blog');
  });

  it('does not cache pages that set cookies (forms with CSRF tokens) or non-public paths', async () => {
    await request(app).get('/signin');
    const again = await request(app).get('/signin');
    expect(again.headers['x-page-cache']).toBeUndefined();
  });
});
