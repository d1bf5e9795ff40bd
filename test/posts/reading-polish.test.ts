// Reading polish: search says how many posts match and marks the terms (escaped first), with one search box;
// numbered pages on long lists and on search, with keyset pages past the counted results; the featured
// card and the grid for posts without covers.
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalDiskStorage } from '../../src/media/storage.js';
import { pageNumbers } from '../../src/posts/public.router.js';
import { searchPosts } from '../../src/posts/reading.service.js';
import { DEFAULT_SETTINGS, saveSettings } from '../../src/site/settings.service.js';
import { testApp } from '../support/app.js';
import { makeUser } from '../support/factories.js';
import { makePost } from '../support/posts.js';

const { app, config } = testApp();
const storage = new LocalDiskStorage(config.uploadDir, '/uploads');
type User = Awaited<ReturnType<typeof makeUser>>;
let author: User;

beforeAll(async () => {
  author = await makeUser({ role: 'author' });
  await saveSettings({ ...DEFAULT_SETTINGS, postsPerPage: 2 });
  const start = Date.now() - 3_600_000;
  for (let i = 0; i < 7; i++) await makePost({ author, title: `Numbat ${i}`, status: 'published', publishedAt: new Date(start + i * 60_000) });
  await makePost({ author, title: 'Using <b> & "quotes" in Numbat', body: 'Markup talk.', status: 'published', publishedAt: new Date(start - 60_000) });
});

afterAll(async () => {
  await saveSettings({ ...DEFAULT_SETTINGS });
});

describe('search', () => {
  it('says how many posts match and marks the terms in titles', async () => {
    const res = await request(app).get('/search?q=numbat');
    expect(res.status).toBe(200);
    expect(res.text).toContain('8 posts match “numbat”.');
    expect(res.text).toContain('<a class="text-body text-decoration-none" href="/posts/numbat-6"><mark>Numbat</mark> 6</a>');
    const none = await request(app).get('/search?q=zzzunfound');
    expect(none.text).toContain('No posts match “zzzunfound”.');
  });

  it('escapes the text and the query before marking: markup in either stays text', async () => {
    const res = await request(app).get(`/search?q=${encodeURIComponent('<b>')}`);
    expect(res.status).toBe(200);
    expect(res.text).toContain('1 post matches “&lt;b&gt;”.');
    expect(res.text).toContain('Using <mark>&lt;b&gt;</mark> &amp; &#34;quotes&#34; in Numbat');
    expect(res.text).not.toContain('<b>');
    const quote = await request(app).get(`/search?q=${encodeURIComponent('"quotes"')}`);
    expect(quote.text).toContain('<mark>&#34;quotes&#34;</mark>');
  });

  it('has one search box: the search page’s own, not the header’s', async () => {
    const searchPage = await request(app).get('/search?q=numbat');
    expect(searchPage.text.match(/type="search"/g)).toHaveLength(1);
    expect(searchPage.text).toContain('id="search-q"');
    const home = await request(app).get('/');
    expect(home.text).toContain('id="site-search-q"');
  });

  it('numbers its pages, and a page past the end is 404', async () => {
    const first = await request(app).get('/search?q=numbat');
    expect(first.text).toContain('href="/search?q=numbat&amp;page=2" aria-label="Page 2"');
    expect(first.text).toContain('Page 1 of 4');
    const third = await request(app).get('/search?q=numbat&page=3');
    expect(third.text).toContain('<li class="page-item active" aria-current="page"><span class="page-link">3</span></li>');
    expect(third.text).toContain('rel="prev" href="/search?q=numbat&amp;page=2"');
    expect((await request(app).get('/search?q=numbat&page=5')).status).toBe(404);
  });

  it('counts up to a cap, then goes on with keyset pages: every result once, in order', async () => {
    const cap = 3;
    const seen: string[] = [];
    const first = (await searchPosts('numbat', { page: 1 }, 2, storage, { cap }))!;
    expect(first).toMatchObject({ total: 3, more: true, page: 1, pageCount: 2, next: null });
    seen.push(...first.posts.map((p) => p.title));
    let page = (await searchPosts('numbat', { page: 2 }, 2, storage, { cap }))!;
    expect(page.next).not.toBeNull();
    seen.push(...page.posts.map((p) => p.title));
    while (page.next) {
      page = (await searchPosts('numbat', { page: 1, after: page.next }, 2, storage, { cap }))!;
      expect(page.page).toBeNull();
      seen.push(...page.posts.map((p) => p.title));
    }
    expect(seen).toEqual(['Numbat 6', 'Numbat 5', 'Numbat 4', 'Numbat 3', 'Numbat 2', 'Numbat 1', 'Numbat 0', 'Using <b> & "quotes" in Numbat']);
  });
});

describe('numbered pages', () => {
  it('show the first, the last and two either side of the current page, with gaps', () => {
    expect(pageNumbers(1, 1)).toEqual([1]);
    expect(pageNumbers(1, 4)).toEqual([1, 2, 3, 4]);
    expect(pageNumbers(10, 20)).toEqual([1, null, 8, 9, 10, 11, 12, null, 20]);
    expect(pageNumbers(4, 20)).toEqual([1, 2, 3, 4, 5, 6, null, 20]);
  });

  it('link the pages of the home page, keeping newer/older links and "page N of M"', async () => {
    const res = await request(app).get('/?page=2');
    expect(res.text).toContain('<a class="page-link" href="/" aria-label="Page 1">1</a>');
    expect(res.text).toContain('<li class="page-item active" aria-current="page"><span class="page-link">2</span></li>');
    expect(res.text).toContain('<a class="page-link" href="/?page=4" aria-label="Page 4">4</a>');
    expect(res.text).toContain('rel="next" href="/?page=3"');
    expect(res.text).toContain('Page 2 of 4');
  });
});

describe('posts without covers', () => {
  it('a featured newest post without a cover is a wide text card; the others get a plain card', async () => {
    const res = await request(app).get('/');
    expect(res.text).toMatch(/<article class="card h-100 post-card border-0 shadow-sm post-card-featured-text post-card-plain"[^>]*>/);
    expect(res.text).toMatch(/<h2 class="h3 card-title" id="card-[a-f0-9]+"><a[^>]*>Numbat 6<\/a>/);
    expect(res.text).toMatch(/<h2 class="h5 card-title" id="card-[a-f0-9]+"><a[^>]*>Numbat 5<\/a>/);
    // The featured card spans the row.
    expect(res.text).toMatch(/<div class="col-12 w-100">\s*<article[^>]*post-card-featured-text/);
  });
});
