// CDN-ready pages: anonymous public pages tell a shared cache how long it may keep them (settings) and
// under which surrogate keys; signed-in and personal responses never do; and every content change calls
// the purge hook (a real HTTP server here) with exactly the keys that changed, retried when it fails.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { createApp } from '../../src/app.js';
import { Post } from '../../src/posts/post.model.js';
import { announceChange } from '../../src/db/changes.js';
import { cacheablePageHeaders } from '../../src/http/cdn-headers.js';
import { cdnPurgerFor, purgeKeys, purgeOnceWhenDone } from '../../src/site/cdn-purge.js';
import type { CdnPurger } from '../../src/site/cdn-purge.js';
import { DEFAULT_SETTINGS, saveSettings } from '../../src/site/settings.service.js';
import { testApp, testConfig } from '../support/app.js';
import { makeUser } from '../support/factories.js';
import { makePost } from '../support/posts.js';
import { sessionFor, type TestSession } from '../support/session.js';

type User = Awaited<ReturnType<typeof makeUser>>;
let author: User;
let published: Awaited<ReturnType<typeof makePost>>;
let draft: Awaited<ReturnType<typeof makePost>>;

const DEFAULT_CONTROL = 'public, max-age=0, s-maxage=300, stale-while-revalidate=60';
const keysOf = (res: request.Response) => String(res.headers['surrogate-key'] ?? '').split(' ').filter(Boolean).sort();

beforeAll(async () => {
  await saveSettings({ ...DEFAULT_SETTINGS });
  author = await makeUser({ role: 'author', displayName: 'Cara Cache', username: 'cara_cache' });
  published = await makePost({ author, title: 'Edge cases', status: 'published', tags: ['edge', 'cdn'] });
  draft = await makePost({ author, title: 'Not yet', status: 'draft', tags: ['edge'] });
});

describe('cacheablePageHeaders', () => {
  const policy = { maxAgeSeconds: 300, staleSeconds: 60 };

  it('lists `site` first, then each key once in the order given, in both headers', () => {
    const headers = cacheablePageHeaders(['list-home', 'post-a1', 'site', 'post-a1', 'post-b2'], policy);
    expect(headers).toEqual({ 'Cache-Control': DEFAULT_CONTROL, 'Surrogate-Key': 'site list-home post-a1 post-b2', 'Cache-Tag': 'site,list-home,post-a1,post-b2' });
  });

  it('drops keys that could split or end a header value', () => {
    const headers = cacheablePageHeaders(['tag-ok', 'two words', 'x\r\nSet-Cookie: a=b', 'a,b', '-leading', ''], policy);
    expect(headers['Surrogate-Key']).toBe('site tag-ok');
    expect(headers['Cache-Tag']).toBe('site,tag-ok');
  });

  it('names at most 200 keys, `site` included', () => {
    const keys = Array.from({ length: 500 }, (_, i) => `post-${i}`);
    const listed = cacheablePageHeaders(keys, policy)['Surrogate-Key'].split(' ');
    expect(listed).toHaveLength(200);
    expect(listed.slice(0, 3)).toEqual(['site', 'post-0', 'post-1']);
    expect(listed.at(-1)).toBe('post-198');
  });

  it('says what the policy given says, when it changes and when it changes back', () => {
    expect(cacheablePageHeaders([], { maxAgeSeconds: 10, staleSeconds: 5 })['Cache-Control']).toBe('public, max-age=0, s-maxage=10, stale-while-revalidate=5');
    expect(cacheablePageHeaders([], { maxAgeSeconds: 10, staleSeconds: 6 })['Cache-Control']).toBe('public, max-age=0, s-maxage=10, stale-while-revalidate=6');
    expect(cacheablePageHeaders([], policy)['Cache-Control']).toBe(DEFAULT_CONTROL);
  });
});

describe('anonymous public pages', () => {
  const { app } = testApp();
  const post = () => `post-${String(published._id)}`;

  it.each([
    ['/', () => ['list-home', post(), 'site']],
    ['/posts/edge-cases', () => [post(), 'site']],
    ['/tags/edge', () => ['tag-edge', post(), 'site']],
    ['/authors/cara_cache', () => [`author-${String(author._id)}`, post(), 'site']],
    ['/search?q=edge', () => ['list-search', post(), 'site']],
    ['/feed.xml', () => ['list-feed', 'site']],
    ['/sitemap.xml', () => ['list-sitemap', 'site']],
    ['/robots.txt', () => ['site']],
  ])('%s may be kept by a CDN, under the keys of what it shows', async (url, keys) => {
    const res = await request(app).get(url);
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe(DEFAULT_CONTROL);
    expect(keysOf(res)).toEqual(keys().sort());
    expect(String(res.headers['cache-tag']).split(',').sort()).toEqual(keys().sort());
  });

  it('takes s-maxage and stale-while-revalidate from the settings', async () => {
    await saveSettings({ ...DEFAULT_SETTINGS, cdnMaxAgeSeconds: 3600, cdnStaleSeconds: 120 });
    try {
      const res = await request(app).get('/posts/edge-cases');
      expect(res.headers['cache-control']).toBe('public, max-age=0, s-maxage=3600, stale-while-revalidate=120');
    } finally {
      await saveSettings({ ...DEFAULT_SETTINGS });
    }
  });

  it('a page that is not found carries no key and is not kept', async () => {
    const res = await request(app).get('/posts/no-such-post');
    expect(res.status).toBe(404);
    expect(res.headers['surrogate-key']).toBeUndefined();
    expect(res.headers['cache-tag']).toBeUndefined();
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('the page cache answers a hit with the same headers as the miss', async () => {
    const cached = createApp({ config: testConfig(), logger: pino({ level: 'silent' }), pageCache: true });
    const misses = [await request(cached).get('/tags/edge'), await request(cached).get('/tags/edge')];
    const hit = await request(cached).get('/tags/edge');
    expect(misses.map((r) => r.headers['x-page-cache'])).toEqual(['miss', 'miss']);
    expect(hit.headers['x-page-cache']).toBe('hit');
    for (const name of ['cache-control', 'surrogate-key', 'cache-tag']) expect(hit.headers[name]).toBe(misses[0]!.headers[name]);
    expect(hit.headers['cache-control']).toBe(DEFAULT_CONTROL);
  });
});

describe('signed-in and personal responses', () => {
  const { app, config } = testApp();
  let session: TestSession;
  beforeAll(async () => {
    session = sessionFor(author, config);
  });

  it.each([
    '/',
    '/posts/edge-cases',
    '/posts/not-yet',
    '/tags/edge',
    '/authors/cara_cache',
    '/search?q=edge',
    '/feed.xml',
    '/sitemap.xml',
    '/robots.txt',
    '/dashboard',
    '/account',
    '/media',
    '/posts/new',
    '/posts/edge-cases/edit',
  ])('%s is never kept by a shared cache, nor carries a surrogate key', async (url) => {
    const res = await request(app).get(url).set('Cookie', session.cookie);
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toMatch(/\b(?:private|no-store)\b/);
    expect(res.headers['cache-control']).not.toMatch(/s-maxage|public/);
    expect(res.headers['surrogate-key']).toBeUndefined();
    expect(res.headers['cache-tag']).toBeUndefined();
  });
});

/** A purge hook: a real HTTP server that answers with the statuses given, then 200. */
class PurgeHook {
  readonly received: Array<{ keys: string[]; secret: string | undefined; path: string }> = [];
  private statuses: number[] = [];
  private waiters: Array<() => void> = [];
  private server: Server | undefined;

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      void bodyOf(req).then((body) => {
        this.received.push({ keys: (JSON.parse(body) as { keys: string[] }).keys, secret: req.headers['x-quire-purge-secret'] as string | undefined, path: req.url ?? '' });
        res.statusCode = this.statuses.shift() ?? 200;
        res.end();
        for (const wake of this.waiters.splice(0)) wake();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}/purge`;
  }

  failNext(...statuses: number[]): void {
    this.statuses.push(...statuses);
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => this.server?.close(resolve));
  }
}

function bodyOf(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => resolve(body));
  });
}

describe('the purge hook', () => {
  const hook = new PurgeHook();
  const secret = 'a-purge-secret-of-some-length';
  let app: ReturnType<typeof testApp>['app'];
  let purger: CdnPurger;
  let session: TestSession;

  beforeAll(async () => {
    const url = await hook.start();
    const made = createApp({
      config: testConfig({ cdn: { purgeUrl: url, purgeSecret: secret, cloudflare: undefined } }),
      logger: pino({ level: 'silent' }),
      purgeRetryDelaysMs: [5, 5],
    });
    app = made;
    purger = made.locals.cdnPurger as CdnPurger;
    session = sessionFor(author, testConfig());
  });

  afterAll(async () => {
    purger?.stop();
    await hook.stop();
  });

  beforeEach(async () => {
    await purger.idle();
    hook.received.length = 0;
  });

  const submit = (path: string, fields: Record<string, string>) =>
    request(app).post(path).set('Cookie', session.cookie).type('form').send({ _csrf: session.csrf, ...fields });

  it('publishing a post purges its page, every list, its tags and its author', async () => {
    const res = await submit('/posts', { title: 'Fresh off the press', body: 'News.', tags: 'News, Edge', intent: 'publish' });
    expect(res.status).toBe(303);
    await purger.idle();
    const post = (await Post.findOne({ slug: 'fresh-off-the-press' }).lean())!;
    expect(hook.received).toEqual([
      {
        keys: [`author-${String(author._id)}`, 'list-feed', 'list-home', 'list-search', 'list-sitemap', `post-${String(post._id)}`, 'tag-edge', 'tag-news'].sort(),
        secret,
        path: '/purge',
      },
    ]);
  });

  it('an edit that changes tags purges the post, the tags it gained and lost, and not the one it kept', async () => {
    const post = (await Post.findOne({ slug: 'fresh-off-the-press' }).lean())!;
    const res = await submit('/posts/fresh-off-the-press/edit', { title: 'Fresh off the press', body: 'News, edited.', tags: 'Edge, Media', intent: 'save', version: String(post.version) });
    expect(res.status).toBe(303);
    await purger.idle();
    expect(hook.received.map((r) => r.keys)).toEqual([['list-feed', 'list-search', 'list-sitemap', `post-${String(post._id)}`, 'tag-media', 'tag-news']]);
  });

  it('deleting a post purges everything that showed it', async () => {
    const post = (await Post.findOne({ slug: 'fresh-off-the-press' }).lean())!;
    const res = await submit('/posts/fresh-off-the-press/delete', {});
    expect(res.status).toBe(303);
    await purger.idle();
    expect(hook.received.map((r) => r.keys)).toEqual([
      [`author-${String(author._id)}`, 'list-feed', 'list-home', 'list-search', 'list-sitemap', `post-${String(post._id)}`, 'tag-edge', 'tag-media'].sort(),
    ]);
  });

  it('saving a draft purges nothing', async () => {
    const res = await submit('/posts/not-yet/edit', { title: 'Not yet', body: 'Still a draft.', intent: 'save', version: String(draft.version) });
    expect(res.status).toBe(303);
    await purger.idle();
    // Something purged afterwards shows that nothing was sent for the draft before it.
    purgeKeys(['list-home']);
    await purger.idle();
    expect(hook.received.map((r) => r.keys)).toEqual([['list-home']]);
  });

  it('a change that does not say what it changed purges the whole site', async () => {
    // A profile, a setting, an approved comment, a bulk write to posts: announced on the bus, no keys.
    announceChange('users', ['someone']);
    await purger.idle();
    expect(hook.received.map((r) => r.keys)).toEqual([['site']]);
  });

  it('changes made by another process are not purged again here', async () => {
    announceChange('users', null, 'remote');
    purgeKeys(['tag-local']);
    await purger.idle();
    expect(hook.received.map((r) => r.keys)).toEqual([['tag-local']]);
  });

  it('retries when the hook answers 500, until it accepts', async () => {
    hook.failNext(500, 503);
    purgeKeys(['post-retried']);
    await purger.idle();
    expect(hook.received.map((r) => r.keys)).toEqual([['post-retried'], ['post-retried'], ['post-retried']]);
  });

  it('gives up after the last retry, and purges the next change normally', async () => {
    hook.failNext(500, 500, 500);
    purgeKeys(['post-lost']);
    await purger.idle();
    expect(hook.received).toHaveLength(3);
    purgeKeys(['post-next']);
    await purger.idle();
    expect(hook.received.map((r) => r.keys).at(-1)).toEqual(['post-next']);
  });
});

describe('a command-line tool (seed, import)', () => {
  const hook = new PurgeHook();
  let url: string;
  beforeAll(async () => {
    url = await hook.start();
  });
  afterAll(() => hook.stop());

  it('purges the whole site once when it is done, however many posts it wrote', async () => {
    const purger = cdnPurgerFor({ purgeUrl: url, purgeSecret: 'a-purge-secret-of-some-length', cloudflare: undefined }, pino({ level: 'silent' }), [5])!;
    const done = purgeOnceWhenDone(purger);
    // Writes straight through the models, as the importer and the seed make them.
    for (let i = 0; i < 3; i++) await makePost({ author, title: `Imported ${i}`, status: 'published' });
    expect(hook.received).toEqual([]);
    await done();
    expect(hook.received.map((r) => r.keys)).toEqual([['site']]);
  });

  it('purges nothing when it changed nothing (an export, a dry run)', async () => {
    hook.received.length = 0;
    const purger = cdnPurgerFor({ purgeUrl: url, purgeSecret: 'a-purge-secret-of-some-length', cloudflare: undefined }, pino({ level: 'silent' }), [5])!;
    const done = purgeOnceWhenDone(purger);
    announceChange('posts', null, 'remote');
    await done();
    expect(hook.received).toEqual([]);
  });
});

describe('Cloudflare purge by Cache-Tag', () => {
  const zoneId = 'a'.repeat(32);
  const token = 'cloudflare-api-token';
  const calls: Array<{ path: string; auth: string | undefined; tags: string[] }> = [];
  /** Answers for the next calls, then success. */
  const refusals: Array<{ success: false; errors: Array<{ message: string }> }> = [];
  let server: Server;
  let purger: CdnPurger;

  beforeAll(async () => {
    // Cloudflare's API, as far as Quire uses it: POST /zones/:zone/purge_cache {"tags": [...]}.
    server = createServer((req, res) => {
      void bodyOf(req).then((body) => {
        calls.push({ path: req.url ?? '', auth: req.headers.authorization, tags: (JSON.parse(body) as { tags: string[] }).tags });
        res.setHeader('Content-Type', 'application/json');
        res.end(JSON.stringify(refusals.shift() ?? { success: true, errors: [] }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/client/v4`;
    const made = createApp({
      config: testConfig({ cdn: { purgeUrl: undefined, purgeSecret: undefined, cloudflare: { zoneId, apiToken: token, apiUrl } } }),
      logger: pino({ level: 'silent' }),
      purgeRetryDelaysMs: [5],
    });
    purger = made.locals.cdnPurger as CdnPurger;
  });

  afterAll(async () => {
    purger?.stop();
    await new Promise((resolve) => server.close(resolve));
  });

  it('sends the keys as tags to the zone, with the token, at most 30 per call', async () => {
    const keys = Array.from({ length: 40 }, (_, i) => `post-${String(i).padStart(2, '0')}`);
    purgeKeys(keys);
    await purger.idle();
    expect(calls.map((c) => c.path)).toEqual([`/client/v4/zones/${zoneId}/purge_cache`, `/client/v4/zones/${zoneId}/purge_cache`]);
    expect(calls.every((c) => c.auth === `Bearer ${token}`)).toBe(true);
    expect(calls.flatMap((c) => c.tags)).toEqual(keys);
    expect(calls.map((c) => c.tags.length)).toEqual([30, 10]);
  });

  it('retries when Cloudflare says it did not succeed (even with a 200)', async () => {
    calls.length = 0;
    refusals.push({ success: false, errors: [{ message: 'rate limited' }] });
    purgeKeys(['tag-retry']);
    await purger.idle();
    expect(calls.map((c) => c.tags)).toEqual([['tag-retry'], ['tag-retry']]);
  });
});
