import compression from 'compression';
import express from 'express';
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { PageCache } from '../../src/http/page-cache.js';
import { readCookies } from '../../src/http/personal.js';
import { saveSettings, getSettings } from '../../src/site/settings.service.js';
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

  it('keeps a page asked for twice and serves it from memory, pre-compressed, with the same ETag', async () => {
    const first = await request(app).get('/').set('Accept-Encoding', 'identity');
    expect(first.status).toBe(200);
    expect(first.headers['x-page-cache']).toBe('miss');
    // Not kept, so not hashed: no ETag unless the request was conditional.
    expect(first.headers.etag).toBeUndefined();
    const miss = await request(app).get('/').set('Accept-Encoding', 'identity');
    expect(miss.headers['x-page-cache']).toBe('miss');
    expect(miss.headers.etag).toMatch(/^"[0-9a-f]+-/);
    const hit = await request(app).get('/').set('Accept-Encoding', 'gzip, br').buffer(true).parse((res, cb) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => cb(null, Buffer.concat(chunks)));
    });
    expect(hit.headers['x-page-cache']).toBe('hit');
    expect(hit.headers['content-encoding']).toBe('br');
    // A hit carries the same security headers as a rendered page.
    for (const name of ['content-security-policy', 'permissions-policy', 'x-frame-options', 'referrer-policy']) {
      expect(hit.headers[name], name).toBe(miss.headers[name]);
    }
    expect(hit.headers['x-frame-options']).toBe('DENY');
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

  it('answers 304 to a matching If-None-Match, for kept pages and for pages asked for the first time', async () => {
    const page = await request(app).get('/');
    const again = await request(app).get('/').set('If-None-Match', page.headers.etag!);
    expect(again.status).toBe(304);
    const fresh = await request(app).get('/?first=time').set('If-None-Match', page.headers.etag!);
    expect(fresh.headers['x-page-cache']).toBe('miss');
    expect(fresh.status).toBe(304);
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

  it('empties itself when content changes, and keeps a popular page again from its first request after', async () => {
    await request(app).get('/');
    await request(app).get('/');
    expect((await request(app).get('/')).headers['x-page-cache']).toBe('hit');
    await saveSettings({ ...(await getSettings()), title: 'Renamed Blog' });
    const after = await request(app).get('/');
    expect(after.headers['x-page-cache']).toBe('miss');
    expect(after.text).toContain('Renamed Blog');
    expect((await request(app).get('/')).headers['x-page-cache']).toBe('hit');
  });

  it('does not cache pages that set cookies (forms with CSRF tokens) or non-public paths', async () => {
    await request(app).get('/signin');
    const again = await request(app).get('/signin');
    expect(again.headers['x-page-cache']).toBeUndefined();
  });
});

describe('page cache mechanics', () => {
  // A bare app around the cache, so each rule is checked without the database.
  function tinyApp() {
    const cache = new PageCache({ paths: /^\/p\// });
    const rendered: string[] = [];
    const app = express();
    app.use(readCookies('secret'));
    app.use(cache.middleware());
    app.use(compression());
    app.get('/p/slow', async (req, res) => {
      rendered.push(req.originalUrl);
      await new Promise((r) => setTimeout(r, 50));
      res.send(`<p>${'slow page '.repeat(200)}</p>`);
    });
    app.get('/p/article', (req, res) => {
      rendered.push(req.originalUrl);
      // Text that compresses like a real page (a fixed pseudo-random walk through some words).
      const words = ['reading', 'model', 'cache', 'page', 'quire', 'server', 'template', 'post', 'tag', 'author', 'search', 'index'];
      let seed = 7;
      const text = Array.from({ length: 3000 }, () => words[(seed = (seed * 48271) % 2147483647) % words.length]).join(' ');
      res.send(`<article><p>${text}</p></article>`);
    });
    app.get('/p/private', (req, res) => {
      rendered.push(req.originalUrl);
      res.set('Cache-Control', 'private, no-store').send('<p>for one reader</p>');
    });
    return { app, cache, rendered };
  }

  const raw = (req: request.Test) =>
    req.buffer(true).parse((res, cb) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => cb(null, Buffer.concat(chunks)));
    });

  it('answers a URL asked for once without keeping it, and keeps it when it is asked for again', async () => {
    const { app, cache, rendered } = tinyApp();
    for (const n of [1, 2, 3]) expect((await request(app).get(`/p/article?bust=${n}`)).headers['x-page-cache']).toBe('miss');
    await request(app).get('/p/slow?once=1');
    expect(cache.size).toBe(0);
    const again = await request(app).get('/p/slow?once=1');
    expect(again.headers['x-page-cache']).toBe('miss');
    expect(cache.size).toBe(1);
    expect((await request(app).get('/p/slow?once=1')).headers['x-page-cache']).toBe('hit');
    expect(rendered.filter((url) => url === '/p/slow?once=1')).toHaveLength(2);
  });

  it('neither counts nor keeps very long URLs', async () => {
    const { app, cache } = tinyApp();
    const long = `/p/article?q=${'x'.repeat(1100)}`;
    for (let i = 0; i < 3; i++) {
      const res = await request(app).get(long);
      expect(res.status).toBe(200);
      expect(res.headers['x-page-cache']).toBeUndefined();
    }
    expect(cache.size).toBe(0);
  });

  it('compresses a miss once, in the encoding asked for, and answers later requests from that entry', async () => {
    const { app, rendered } = tinyApp();
    await request(app).get('/p/slow');
    const miss = await raw(request(app).get('/p/slow').set('Accept-Encoding', 'br'));
    expect(miss.headers['x-page-cache']).toBe('miss');
    expect(miss.headers['content-encoding']).toBe('br');
    // superagent decodes br and gzip itself: what arrives is the page.
    const page = (miss.body as Buffer).toString();
    expect(page).toContain('slow page');
    const hit = await raw(request(app).get('/p/slow').set('Accept-Encoding', 'br'));
    expect(hit.headers['x-page-cache']).toBe('hit');
    expect((hit.body as Buffer).equals(miss.body as Buffer)).toBe(true);
    expect(hit.headers.etag).toBe(miss.headers.etag);
    const gz = await raw(request(app).get('/p/slow').set('Accept-Encoding', 'gzip'));
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect((gz.body as Buffer).toString()).toBe(page);
    expect(rendered).toEqual(['/p/slow', '/p/slow']);
  });

  it('compresses a miss quickly, and a page asked for again once more, smaller, after answering', async () => {
    const { app, rendered } = tinyApp();
    await request(app).get('/p/article');
    const miss = await raw(request(app).get('/p/article').set('Accept-Encoding', 'br'));
    const page = (miss.body as Buffer).toString();
    const fast = Number(miss.headers['content-length']);
    const firstHit = await raw(request(app).get('/p/article').set('Accept-Encoding', 'br'));
    expect(firstHit.headers['x-page-cache']).toBe('hit');
    expect(Number(firstHit.headers['content-length'])).toBe(fast);
    await new Promise((resolve) => setImmediate(resolve));
    const later = await raw(request(app).get('/p/article').set('Accept-Encoding', 'br'));
    expect(later.headers['content-encoding']).toBe('br');
    expect(Number(later.headers['content-length'])).toBeLessThan(fast);
    expect((later.body as Buffer).toString()).toBe(page);
    expect(later.headers.etag).toBe(miss.headers.etag);
    expect(rendered).toEqual(['/p/article', '/p/article']);
  });

  it('renders a page once when many anonymous requests for it arrive together', async () => {
    const { app, cache, rendered } = tinyApp();
    const responses = await Promise.all(Array.from({ length: 6 }, () => request(app).get('/p/slow').set('Accept-Encoding', 'identity')));
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(new Set(responses.map((r) => r.text)).size).toBe(1);
    expect(rendered).toEqual(['/p/slow']);
    expect(cache.stats.misses).toBe(1);
  });

  it('never stores a response its handler marked private or no-store', async () => {
    const { app, cache, rendered } = tinyApp();
    await request(app).get('/p/private');
    const again = await request(app).get('/p/private');
    expect(again.text).toBe('<p>for one reader</p>');
    expect(again.headers['cache-control']).toBe('private, no-store');
    expect(rendered).toHaveLength(2);
    expect(cache.size).toBe(0);
  });

  it('sends a page answered once with its own bytes, even when another page is encoded before they leave', async () => {
    // Pages answered once and not kept are encoded to UTF-8 in one reused buffer; one sent as it is must
    // leave with its own bytes. Here its end() is held back until a second page has been rendered and sent.
    const cache = new PageCache({ paths: /^\/p\// });
    let reached!: () => void;
    let release!: () => void;
    const atEnd = new Promise<void>((resolve) => (reached = resolve));
    const released = new Promise<void>((resolve) => (release = resolve));
    const app = express();
    app.use((req, res, next) => {
      if (req.query.held) {
        const end = res.end.bind(res) as (...args: unknown[]) => unknown;
        res.end = ((...args: unknown[]) => {
          reached();
          void released.then(() => end(...args));
          return res;
        }) as typeof res.end;
      }
      next();
    });
    app.use(readCookies('secret'));
    app.use(cache.middleware());
    app.get('/p/:name', (req, res) => res.send(`<p>${req.params.name!.repeat(500)} café</p>`));
    const first = request(app).get('/p/first?held=1').set('Accept-Encoding', 'identity').then((r) => r);
    await atEnd;
    const second = await request(app).get('/p/second').set('Accept-Encoding', 'identity');
    expect(second.text).toBe(`<p>${'second'.repeat(500)} café</p>`);
    release();
    const held = await first;
    expect(held.headers['x-page-cache']).toBe('miss');
    expect(held.text).toBe(`<p>${'first'.repeat(500)} café</p>`);
    expect(Number(held.headers['content-length'])).toBe(Buffer.byteLength(held.text));
    expect(cache.size).toBe(0);
  });

  it('given the compression middleware, compresses every response it does not compress itself', async () => {
    const cache = new PageCache({ paths: /^\/p\//, compress: compression() });
    const app = express();
    app.use(readCookies('secret'));
    app.use(cache.middleware());
    const big = (what: string) => `<p>${`${what} `.repeat(400)}</p>`;
    app.get('/p/kept', (_req, res) => res.send(big('kept')));
    // Taken by the cache (a public path) but not for it: a 404, and a page that sets a cookie.
    app.get('/p/missing', (_req, res) => res.status(404).send(big('missing')));
    app.get('/p/cookie', (_req, res) => res.cookie('pref', 'x').send(big('cookie')));
    // Not taken at all: another path, and another method.
    app.get('/other', (_req, res) => res.send(big('other')));
    app.post('/p/kept', (_req, res) => res.send(big('posted')));
    for (const [method, path, status, text] of [
      ['get', '/p/missing', 404, big('missing')],
      ['get', '/p/cookie', 200, big('cookie')],
      ['get', '/other', 200, big('other')],
      ['post', '/p/kept', 200, big('posted')],
    ] as const) {
      const res = await raw(request(app)[method](path).set('Accept-Encoding', 'gzip'));
      expect(res.status, path).toBe(status);
      expect(res.headers['content-encoding'], `${method} ${path}`).toBe('gzip');
      expect(res.headers['x-page-cache'], path).toBe(path === '/p/missing' || path === '/p/cookie' ? 'miss' : undefined);
      expect((res.body as Buffer).toString(), path).toBe(text);
    }
    // What it keeps it compresses itself, the miss and the hits alike.
    for (const outcome of ['miss', 'miss', 'hit']) {
      const res = await raw(request(app).get('/p/kept').set('Accept-Encoding', 'gzip'));
      expect(res.headers['x-page-cache']).toBe(outcome);
      expect(res.headers['content-encoding']).toBe('gzip');
      expect((res.body as Buffer).toString()).toBe(big('kept'));
    }
  });
});
