// The page cache's hit path runs in the node:http request listener, before Express: these tests talk to a
// listening createApp() over a plain node:http client (raw bytes, raw header names, nothing decoded) and
// watch Express's router to tell which requests reached it.
import { request as httpRequest, type Server } from 'node:http';
import { gunzipSync } from 'node:zlib';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApp } from '../../src/app.js';
import { cacheKey, type PageCache } from '../../src/http/page-cache.js';
import { saveSettings, getSettings } from '../../src/site/settings.service.js';
import { testConfig } from '../support/app.js';
import { makeUser } from '../support/factories.js';
import { makePost } from '../support/posts.js';
import { sessionFor } from '../support/session.js';

const config = testConfig();
const app = createApp({ config, logger: pino({ level: 'silent' }), pageCache: true });
const cache = app.locals.pageCache as PageCache;
// Express 5 hands every request it handles to its router: a request answered before Express never gets here.
const router = (app as unknown as { router: { handle: (...args: unknown[]) => void } }).router;
const routed = vi.spyOn(router, 'handle');
let server: Server;
let slug: string;

interface Raw {
  status: number;
  /** [name, value] in the order and case they were sent. */
  headers: Array<[string, string]>;
  body: Buffer;
  /** Whether Express's router saw the request. */
  routed: boolean;
}

function get(path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Raw> {
  const { port } = server.address() as AddressInfo;
  const before = routed.mock.calls.length;
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const pairs: Array<[string, string]> = [];
        for (let i = 0; i < res.rawHeaders.length; i += 2) pairs.push([res.rawHeaders[i]!, res.rawHeaders[i + 1]!]);
        resolve({ status: res.statusCode!, headers: pairs, body: Buffer.concat(chunks), routed: routed.mock.calls.length > before });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

const header = (res: Raw, name: string) => res.headers.find(([n]) => n.toLowerCase() === name.toLowerCase())?.[1];
/** Everything but the two headers allowed to differ between a hit and a miss. */
const comparable = (res: Raw) => res.headers.filter(([name]) => !['date', 'x-page-cache'].includes(name.toLowerCase()));

/** A page asked for twice (so kept): returns that kept miss. */
async function keptMiss(path: string, headers: Record<string, string>): Promise<Raw> {
  await get(path, headers);
  const miss = await get(path, headers);
  expect(header(miss, 'X-Page-Cache')).toBe('miss');
  expect(miss.routed).toBe(true);
  return miss;
}

beforeAll(async () => {
  await makeUser({ role: 'admin' });
  const author = await makeUser({ role: 'author' });
  slug = (await makePost({ author, status: 'published', title: 'Cached words', body: 'Words '.repeat(400) })).slug;
  server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

describe('page-cache hits before Express', () => {
  it('answers a stored page without Express, with the bytes and headers of the miss that stored it', async () => {
    for (const [path, encoding] of [['/?enc=br', 'br'], ['/?enc=gzip', 'gzip'], ['/?enc=none', 'identity'], [`/posts/${slug}`, 'br'], ['/feed.xml', 'gzip']] as const) {
      const accept = { 'Accept-Encoding': encoding };
      const miss = await keptMiss(path, accept);
      const hit = await get(path, accept);
      expect(hit.status, path).toBe(200);
      expect(header(hit, 'X-Page-Cache'), path).toBe('hit');
      expect(hit.routed, `${path} reached Express`).toBe(false);
      expect(comparable(hit), path).toEqual(comparable(miss));
      expect(hit.body.equals(miss.body), path).toBe(true);
      expect(header(hit, 'Content-Encoding'), path).toBe(encoding === 'identity' ? undefined : encoding);
      expect(Number(header(hit, 'Content-Length')), path).toBe(hit.body.length);
    }
  });

  it('answers a URL asked for once (a miss not kept) with the bytes and headers of the hit, but no ETag', async () => {
    // A miss that is not kept builds no replayable header list (page-cache.ts, entryFor): what it sends
    // comes from the response itself, and must still be what a hit of that page sends.
    for (const [path, encoding] of [['/?once=br', 'br'], ['/?once=none', 'identity'], [`/posts/${slug}?once=1`, 'gzip'], ['/feed.xml?once=1', 'br']] as const) {
      const accept = { 'Accept-Encoding': encoding };
      const once = await get(path, accept);
      expect(header(once, 'X-Page-Cache'), path).toBe('miss');
      expect(header(once, 'ETag'), path).toBeUndefined();
      await get(path, accept);
      const hit = await get(path, accept);
      expect(header(hit, 'X-Page-Cache'), path).toBe('hit');
      expect(comparable(once), path).toEqual(comparable(hit).filter(([name]) => name !== 'ETag'));
      expect(once.body.equals(hit.body), path).toBe(true);
    }
  });

  it('replays every header the miss had: helmet’s, the CSP, Permissions-Policy, Vary, ETag, Cache-Control', async () => {
    const miss = await keptMiss('/?headers=1', { 'Accept-Encoding': 'gzip, br' });
    const hit = await get('/?headers=1', { 'Accept-Encoding': 'gzip, br' });
    expect(hit.routed).toBe(false);
    for (const name of ['Content-Security-Policy', 'Permissions-Policy', 'X-Frame-Options', 'X-Content-Type-Options', 'Referrer-Policy', 'Cross-Origin-Opener-Policy', 'Vary', 'ETag', 'Cache-Control', 'Content-Type']) {
      expect(header(hit, name), name).toBeDefined();
      expect(header(hit, name), name).toBe(header(miss, name));
    }
    expect(header(hit, 'X-Frame-Options')).toBe('DENY');
    // The home page has cards: its miss was stitched in gzip, and the first hit sends those bytes
    // (page-parts.test.ts: later hits get the Brotli body made after it).
    expect(header(hit, 'Content-Encoding')).toBe('gzip');
    expect(hit.body.equals(miss.body)).toBe(true);
  });

  it('answers HEAD with the GET’s headers and no body, and 304 to a matching If-None-Match', async () => {
    const miss = await keptMiss('/?conditional=1', { 'Accept-Encoding': 'br' });
    const head = await get('/?conditional=1', { 'Accept-Encoding': 'br' }, 'HEAD');
    expect(head.routed).toBe(false);
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    expect(comparable(head)).toEqual(comparable(miss));
    const etag = header(miss, 'ETag')!;
    const notModified = await get('/?conditional=1', { 'Accept-Encoding': 'br', 'If-None-Match': etag });
    expect(notModified.routed).toBe(false);
    expect(notModified.status).toBe(304);
    expect(notModified.body.length).toBe(0);
    expect(header(notModified, 'ETag')).toBe(etag);
    expect(header(notModified, 'Content-Type')).toBeUndefined();
    expect(header(notModified, 'Content-Security-Policy')).toBe(header(miss, 'Content-Security-Policy'));
    // Another ETag: the page itself, still without Express.
    const changed = await get('/?conditional=1', { 'Accept-Encoding': 'br', 'If-None-Match': '"0-other"' });
    expect(changed.status).toBe(200);
    expect(changed.routed).toBe(false);
    expect(changed.body.length).toBeGreaterThan(0);
  });

  it('hands a request with a session, or any other method, to Express even when the page is stored', async () => {
    await keptMiss('/?personal=1', {});
    expect(header(await get('/?personal=1'), 'X-Page-Cache')).toBe('hit');
    const user = await makeUser({ displayName: 'Hit Path Harriet' });
    const s = sessionFor(user, config);
    const signedIn = await get('/?personal=1', { Cookie: s.cookie });
    expect(signedIn.routed).toBe(true);
    expect(header(signedIn, 'X-Page-Cache')).toBeUndefined();
    expect(signedIn.body.toString()).toContain('Hit Path Harriet');
    // A malformed session cookie is personal too (page-cache-poisoning.test.ts has every shape).
    const odd = await get('/?personal=1', { Cookie: ` QUIRE_SESSION ="${/quire_session=([^;]+)/.exec(s.cookie)![1]}"` });
    expect(odd.routed).toBe(true);
    expect(header(odd, 'X-Page-Cache')).not.toBe('hit');
    const post = await get('/?personal=1', {}, 'POST');
    expect(post.routed).toBe(true);
    expect(post.status).toBe(403);
    // And the stored page is still the anonymous one.
    const again = await get('/?personal=1');
    expect(again.routed).toBe(false);
    expect(again.body.toString()).not.toContain('Hit Path Harriet');
  });

  it('shows a content change on the very next request', async () => {
    await keptMiss('/?change=1', {});
    expect((await get('/?change=1')).routed).toBe(false);
    await saveSettings({ ...(await getSettings()), title: 'A Title Changed Just Now' });
    const after = await get('/?change=1');
    expect(after.routed).toBe(true);
    expect(header(after, 'X-Page-Cache')).toBe('miss');
    expect(after.body.toString()).toContain('A Title Changed Just Now');
    expect(cache.stats.hits).toBeGreaterThan(0);
  });
});

describe('tracking parameters', () => {
  it('answers a page asked for with campaign tags or click ids from the entry of the page without them', async () => {
    const miss = await keptMiss('/?tracking=1', { 'Accept-Encoding': 'gzip' });
    // A bare name is a tracking parameter too.
    for (const path of ['/?tracking=1&utm_source=newsletter&utm_medium=email', '/?utm_campaign=x&tracking=1&fbclid=abc', '/?tracking=1&gclid=1&UTM_TERM=y', '/?tracking=1&utm_source']) {
      const tagged = await get(path, { 'Accept-Encoding': 'gzip' });
      expect(header(tagged, 'X-Page-Cache'), path).toBe('hit');
      expect(tagged.routed, path).toBe(false);
      // The same page (after its first hit a kept page is compressed again, smaller: compare the pages).
      expect(gunzipSync(tagged.body).equals(gunzipSync(miss.body)), path).toBe(true);
    }
    // Other parameters still name another page, and so do names that only look like tracking ones.
    for (const path of ['/?tracking=2', '/?tracking=1&utm=1', '/?tracking=1&page=1', '/?tracking=1&xutm_source=1']) {
      expect(header(await get(path), 'X-Page-Cache'), path).toBe('miss');
    }
  });

  it('keeps the other parameters, in their order, and drops nothing from a path', () => {
    expect(cacheKey('/search?q=closures&utm_source=x&page=2')).toBe('/search?q=closures&page=2');
    expect(cacheKey('/?utm_source=a&utm_medium=b')).toBe('/');
    expect(cacheKey('/posts/a&utm_source=x')).toBe('/posts/a&utm_source=x');
    expect(cacheKey('/tags/utm_source')).toBe('/tags/utm_source');
    expect(cacheKey('/search?q=utm_source%3Dx')).toBe('/search?q=utm_source%3Dx');
  });
});
