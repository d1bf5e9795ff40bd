// What readers see: keyset pagination, post/author/tag pages, search, SEO tags, sanitized bodies, and the
// number of queries a list costs.
import mongoose from 'mongoose';
import request from 'supertest';
import { afterEach, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { DEFAULT_SETTINGS, saveSettings } from '../../src/site/settings.service.js';
import { announceChange } from '../../src/db/changes.js';
import { Media } from '../../src/media/media.model.js';
import { Post } from '../../src/posts/post.model.js';
import { readModel, useReadModel } from '../../src/posts/read-model-choice.js';
import { testApp } from '../support/app.js';
import { makeUser } from '../support/factories.js';
import { makePost, makePublishedSeries } from '../support/posts.js';
import { sessionFor } from '../support/session.js';

const { app, config } = testApp();

type User = Awaited<ReturnType<typeof makeUser>>;
let author: User;

beforeAll(async () => {
  author = await makeUser({ role: 'author', username: 'ada', displayName: 'Ada Lovelace', bio: 'Writes about engines.\nAnd poetry.' });
});

/** Titles of the post cards on a page, in order. */
function cardTitles(html: string): string[] {
  // (Search results mark the terms: <mark> is taken out.)
  return [...html.matchAll(/<h2 class="h[35] card-title"[^>]*><a[^>]*>((?:[^<]|<\/?mark>)*)<\/a><\/h2>/g)].map((m) => m[1]!.replace(/<\/?mark>/g, ''));
}

/** Records every query mongoose sends while `work` runs. */
async function recordQueries(work: () => Promise<unknown>): Promise<{ collection: string; method: string; options: Record<string, unknown> }[]> {
  const seen: { collection: string; method: string; options: Record<string, unknown> }[] = [];
  mongoose.set('debug', (collection: string, method: string, ...args: unknown[]) => {
    seen.push({ collection, method, options: (args[2] ?? args[1] ?? {}) as Record<string, unknown> });
  });
  try {
    await work();
  } finally {
    mongoose.set('debug', false);
  }
  return seen;
}

describe('home page pagination', () => {
  let series: string[];

  beforeAll(async () => {
    // 25 posts, published one minute apart; "Series post 25" is the newest.
    series = (await makePublishedSeries(author, 25)).map((p) => p.title);
  });

  afterEach(async () => {
    await saveSettings({ ...DEFAULT_SETTINGS });
  });

  it('shows 10 a page newest first: pages 1, 2, 3 complete and in order, page 4 is 404', async () => {
    const expected = [...series].reverse();
    const pages: string[][] = [];
    for (const page of [1, 2, 3]) {
      const res = await request(app).get(page === 1 ? '/' : `/?page=${page}`);
      expect(res.status).toBe(200);
      pages.push(cardTitles(res.text));
    }
    expect(pages.map((p) => p.length)).toEqual([10, 10, 5]);
    expect(pages.flat()).toEqual(expected);
    expect(new Set(pages.flat()).size).toBe(25);
    expect((await request(app).get('/?page=4')).status).toBe(404);
  });

  it('links pages with rel=prev/next and says "page N of M"', async () => {
    const first = await request(app).get('/');
    expect(first.text).toContain('rel="next" href="/?page=2"');
    expect(first.text).not.toContain('rel="prev"');
    expect(first.text).toContain('Page 1 of 3');
    const middle = await request(app).get('/?page=2');
    expect(middle.text).toContain('rel="prev" href="/"');
    expect(middle.text).toContain('rel="next" href="/?page=3"');
    expect(middle.text).toContain('<link rel="canonical" href="http://quire.test/?page=2">');
    const last = await request(app).get('/?page=3');
    expect(last.text).not.toContain('rel="next"');
  });

  it('uses the posts-per-page setting', async () => {
    await saveSettings({ ...DEFAULT_SETTINGS, postsPerPage: 7 });
    const res = await request(app).get('/?page=4');
    expect(res.status).toBe(200);
    expect(cardTitles(res.text)).toEqual(['Series post 4', 'Series post 3', 'Series post 2', 'Series post 1']);
    expect((await request(app).get('/?page=5')).status).toBe(404);
  });

  it('never skips: a deep page reads its posts by id, and the authors of a page in one query (in-memory read model)', async () => {
    const chosen = readModel().kind;
    useReadModel('memory');
    onTestFinished(() => void useReadModel(chosen));
    const others = await Promise.all(Array.from({ length: 3 }, () => makeUser({ role: 'author' })));
    for (const [i, other] of others.entries()) await makePost({ author: other, title: `Guest ${i}`, status: 'published' });
    await request(app).get('/'); // builds the key list
    // Posts already shown are kept by id (post-fetch.ts) until a write names them: a write that names
    // none forgets them all, so the page has to read its posts.
    await Post.updateMany({ title: 'no post has this title' }, { $set: { readingMinutes: 1 } });
    const queries = await recordQueries(() => request(app).get('/?page=3').expect(200));
    const postQueries = queries.filter((q) => q.collection === 'posts');
    expect(postQueries.length).toBeGreaterThan(0);
    for (const q of postQueries) expect(q.options.skip).toBeUndefined();
    // Authors are remembered until the next announced change: forget them, so the page has to ask.
    announceChange('users', null);
    const home = await recordQueries(() => request(app).get('/').expect(200));
    expect(home.filter((q) => q.collection === 'users')).toHaveLength(1);
  });

  it('a new post shows on page 1 at once (the key list is rebuilt after a change)', async () => {
    await makePost({ author, title: 'Fresh off the press', status: 'published' });
    expect(cardTitles((await request(app).get('/')).text)[0]).toBe('Fresh off the press');
  });

  it('writes made outside the posts service (admin, seed) refresh the lists too', async () => {
    const other = await makeUser({ role: 'author', username: 'heir' });
    const post = await makePost({ author, title: 'Changes hands', status: 'published' });
    expect(cardTitles((await request(app).get('/authors/heir')).text)).toEqual([]);
    await Post.updateMany({ _id: post._id }, { $set: { author: other._id } });
    expect(cardTitles((await request(app).get('/authors/heir')).text)).toEqual(['Changes hands']);
    await Post.deleteOne({ _id: post._id });
    expect(cardTitles((await request(app).get('/authors/heir')).text)).toEqual([]);
    expect((await request(app).get(`/posts/${post.slug}`)).status).toBe(404);
  });

  it('ignores a nonsense page number', async () => {
    expect((await request(app).get('/?page=abc')).status).toBe(200);
    expect((await request(app).get('/?page=-1')).status).toBe(200);
  });
});

describe('post page', () => {
  it('has one h1, an article, a byline, tags, reading time, the author box and SEO tags', async () => {
    const media = await Media.create({
      owner: author._id, filename: 'c.jpg', alt: 'Library alt', format: 'jpeg', width: 1600, height: 900, bytes: 1,
      originalKey: 'media/aaaaaaaaaaaaaaaaaaaaaaaa/original.jpg',
      variants: [{ width: 1280, height: 720, key: 'media/aaaaaaaaaaaaaaaaaaaaaaaa/1280.webp', bytes: 1 }],
    });
    const post = await makePost({
      author, title: 'Engines & "Poetry"', body: '# Part one\n\nText.', excerpt: 'About engines.', tags: ['Analytical Engine'],
      status: 'published', coverMediaId: String(media._id), coverAlt: 'An engine',
    });
    const res = await request(app).get(`/posts/${post.slug}`);
    expect(res.status).toBe(200);
    const html = res.text;
    expect(html.match(/<h1[\s>]/g)).toHaveLength(1);
    expect(html).toContain('<title>Engines &amp; &#34;Poetry&#34; · Quire</title>');
    expect(html).toContain('<meta name="description" content="About engines.">');
    expect(html).toContain(`<link rel="canonical" href="http://quire.test/posts/${post.slug}">`);
    expect(html).toContain('<meta property="og:type" content="article">');
    expect(html).toContain('<meta property="og:title" content="Engines &amp; &#34;Poetry&#34;">');
    expect(html).toContain('<meta property="og:image" content="http://quire.test/uploads/media/aaaaaaaaaaaaaaaaaaaaaaaa/1280.webp">');
    expect(html).toContain('<meta name="twitter:card" content="summary_large_image">');
    expect(html).toMatch(/<meta property="article:published_time" content="\d{4}-/);
    expect(html).toMatch(/<article class="post[^"]*" aria-labelledby="post-title">/);
    expect(html).toContain('alt="An engine"');
    expect(html).toContain('loading="eager"');
    expect(html).toContain('<h2>Part one</h2>');
    expect(html).toContain('href="/tags/analytical-engine">Analytical Engine</a>');
    expect(html).toContain('href="/authors/ada"');
    expect(html).toContain('Writes about engines.');
    expect(html).toContain('1 min read');
    for (const img of html.match(/<img\b[^>]*>/g) ?? []) expect(img).toMatch(/\balt="/);
  });

  it('never contains script, javascript: links, event handlers, style attributes or data: URLs from the body', async () => {
    const s = sessionFor(author, config);
    const body = [
      '<script>alert("s")</script>',
      '[md link](javascript:alert(1))',
      '<a href="javascript:alert(2)">raw link</a>',
      '<img src=x onerror=alert(3)>',
      '<div onclick="alert(4)">div</div>',
      '<p style="color:red">styled</p>',
      '![data image](data:image/png;base64,iVBORw0KGgo=)',
      '[data link](data:text/html,<script>alert(5)</script>)',
      '<iframe src="https://evil.example"></iframe>',
    ].join('\n\n');
    const created = await request(app).post('/posts').set('Cookie', s.cookie).type('form').send({ _csrf: s.csrf, title: 'Hostile body', body, intent: 'publish' });
    expect(created.status).toBe(303);
    const res = await request(app).get('/posts/hostile-body');
    const article = res.text.split('<div class="post-body">')[1]!.split('</article>')[0]!;
    expect(article).toContain('raw link');
    expect(article).not.toMatch(/<script|javascript:|\son\w+=|\sstyle=|data:|<iframe|alert\(/i);
    expect(res.text).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
  });

  it('links to the neighbouring posts', async () => {
    const older = await makePost({ author, title: 'Neighbour older', status: 'published', publishedAt: new Date(Date.now() - 3 * 86_400_000 - 2000) });
    const middle = await makePost({ author, title: 'Neighbour middle', status: 'published', publishedAt: new Date(Date.now() - 3 * 86_400_000 - 1000) });
    const res = await request(app).get(`/posts/${middle.slug}`);
    expect(res.text).toContain(`rel="prev" href="/posts/${older.slug}"`);
    expect(res.text).toMatch(/rel="next" href="\/posts\/[^"]+"/);
  });

  it('is 404 for an unknown slug', async () => {
    expect((await request(app).get('/posts/no-such-post')).status).toBe(404);
  });
});

describe('author and tag pages', () => {
  it('the author page shows the bio, the avatar and their published posts', async () => {
    const res = await request(app).get('/authors/ada');
    expect(res.status).toBe(200);
    expect(res.text).toContain('<h1 class="display-6 fw-bold mb-1">Ada Lovelace</h1>');
    expect(res.text).toContain('Writes about engines.');
    expect(res.text).toMatch(/<img src="[^"]+" alt="Ada Lovelace"/);
    expect(res.text).toContain('<link rel="canonical" href="http://quire.test/authors/ada">');
    expect(cardTitles(res.text).length).toBeGreaterThan(0);
  });

  it('is 404 for unknown users and for readers who never published', async () => {
    const reader = await makeUser({ role: 'reader' });
    expect((await request(app).get('/authors/nobody-here')).status).toBe(404);
    expect((await request(app).get(`/authors/${reader.username}`)).status).toBe(404);
  });

  it('the tag page lists published posts with that tag; a tag used only by drafts is 404', async () => {
    const writer = await makeUser({ role: 'author' });
    await makePost({ author: writer, title: 'Tagged live', tags: ['Steam Power'], status: 'published' });
    await makePost({ author: writer, title: 'Tagged draft', tags: ['Steam Power'] });
    await makePost({ author: writer, title: 'Only draft', tags: ['Secret Tag'] });
    const res = await request(app).get('/tags/steam-power');
    expect(res.status).toBe(200);
    expect(res.text).toContain('<h1 class="display-6 fw-bold mb-1">Steam Power</h1>');
    expect(cardTitles(res.text)).toEqual(['Tagged live']);
    expect((await request(app).get('/tags/secret-tag')).status).toBe(404);
    expect((await request(app).get('/tags/never-used')).status).toBe(404);
  });
});

describe('search', () => {
  beforeAll(async () => {
    const writer = await makeUser({ role: 'author' });
    await makePost({ author: writer, title: 'Regex .* literal', status: 'published' });
    await makePost({ author: writer, title: 'Unbalanced ( paren', status: 'published' });
    await makePost({ author: writer, title: 'Class [a-z]+ here', status: 'published' });
    await makePost({ author: writer, title: 'Quiet title', body: 'The body mentions Babbage.', status: 'published' });
    await makePost({ author: writer, title: 'Tag only', tags: ['Difference Engine'], status: 'published' });
  });

  async function search(q: string) {
    const res = await request(app).get('/search').query({ q });
    expect(res.status, q).toBe(200);
    return cardTitles(res.text);
  }

  it('treats the query literally: regular-expression syntax neither throws nor matches as a pattern', async () => {
    expect(await search('.*')).toEqual(['Regex .* literal']);
    expect(await search('(')).toEqual(['Unbalanced ( paren']);
    expect(await search('[a-z]+')).toEqual(['Class [a-z]+ here']);
    expect(await search('^$|\\')).toEqual([]);
  });

  it('matches title, body text and tags, case-insensitively', async () => {
    expect(await search('REGEX')).toEqual(['Regex .* literal']);
    expect(await search('babbage')).toEqual(['Quiet title']);
    expect(await search('difference engine')).toEqual(['Tag only']);
  });

  it('shows the form for an empty query and refuses overlong ones', async () => {
    const empty = await request(app).get('/search');
    expect(empty.status).toBe(200);
    expect(empty.text).toContain('<label for="search-q"');
    expect(cardTitles(empty.text)).toEqual([]);
    expect((await request(app).get('/search').query({ q: 'x'.repeat(101) })).status).toBe(422);
    expect((await request(app).get('/search?q=a&q=b')).status).toBe(422);
  });

  it('pages long result lists with a cursor', async () => {
    const writer = await makeUser({ role: 'author' });
    for (let i = 0; i < 12; i++) await makePost({ author: writer, title: `Quokka ${i}`, status: 'published', publishedAt: new Date(Date.now() - 10_000 + i * 100) });
    const first = await request(app).get('/search?q=quokka');
    const titles = cardTitles(first.text);
    expect(titles).toHaveLength(10);
    const next = /rel="next" href="([^"]+)"/.exec(first.text)![1]!.replace(/&amp;/g, '&');
    const rest = cardTitles((await request(app).get(next)).text);
    expect([...titles, ...rest].sort()).toEqual(Array.from({ length: 12 }, (_, i) => `Quokka ${i}`).sort());
  });

  it('finds only posts visible to the public', async () => {
    const writer = await makeUser({ role: 'author' });
    await makePost({ author: writer, title: 'Wombat draft' });
    await makePost({ author: writer, title: 'Wombat scheduled', status: 'scheduled' });
    expect(await search('wombat')).toEqual([]);
  });
});

describe('every public page', () => {
  it('has a title, a description, an absolute canonical link and exactly one h1', async () => {
    const post = await Post.findOne({ status: 'published' }).lean();
    for (const path of ['/', '/?page=2', `/posts/${post!.slug}`, '/authors/ada', '/search', '/search?q=engine']) {
      const html = (await request(app).get(path)).text;
      expect(html, path).toMatch(/<title>[^<]+<\/title>/);
      expect(html, path).toMatch(/<meta name="description" content="[^"]+">/);
      expect(html, path).toMatch(/<link rel="canonical" href="http:\/\/quire\.test\//);
      expect(html.match(/<h1[\s>]/g), path).toHaveLength(1);
      expect(html, path).toMatch(/<main[^>]*>/);
    }
  });
});
