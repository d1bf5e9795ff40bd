// The RSS feed, the sitemap and robots.txt: content types, absolute URLs, escaping, what is left out.
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { testApp } from '../support/app.js';
import { makeUser } from '../support/factories.js';
import { makePost, makePublishedSeries } from '../support/posts.js';
import { assertWellFormedXml, elementTexts } from './xml.js';

const { app } = testApp();

type User = Awaited<ReturnType<typeof makeUser>>;
let author: User;

beforeAll(async () => {
  author = await makeUser({ role: 'author', username: 'feeder', displayName: 'Fee & Der' });
  await makePublishedSeries(author, 22, new Date(Date.now() - 7 * 86_400_000));
  await makePost({ author, title: `Tom & Jerry's <"best"> episode`, body: 'See [home](/) and ![pic](/uploads/media/0123456789abcdef01234567/640.webp)', tags: ['Cats & Mice'], status: 'published' });
  await makePost({ author, title: 'Unfinished draft' });
  await makePost({ author, title: 'Future scheduled', status: 'scheduled' });
});

describe('GET /feed.xml', () => {
  it('is well-formed RSS 2.0 with the newest 20 published posts, absolute links and escaped text', async () => {
    const res = await request(app).get('/feed.xml');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/rss+xml; charset=utf-8');
    const xml = res.text;
    assertWellFormedXml(xml);
    expect(xml).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<rss version="2.0"/);
    expect(xml).toContain('<atom:link href="http://quire.test/feed.xml" rel="self" type="application/rss+xml"/>');

    const titles = elementTexts(xml, 'title').slice(1);
    expect(titles).toHaveLength(20);
    expect(titles[0]).toBe(`Tom & Jerry's <"best"> episode`);
    expect(titles[1]).toBe('Series post 22');
    expect(titles).not.toContain('Unfinished draft');
    expect(titles).not.toContain('Future scheduled');
    expect(xml).toContain('<title>Tom &amp; Jerry&apos;s &lt;&quot;best&quot;&gt; episode</title>');

    const links = elementTexts(xml, 'link');
    expect(links[0]).toBe('http://quire.test/');
    for (const link of links.slice(1)) expect(link).toMatch(/^http:\/\/quire\.test\/posts\/[a-z0-9-]+$/);
    for (const date of elementTexts(xml, 'pubDate')) expect(date).toMatch(/^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/);
    expect(elementTexts(xml, 'dc:creator')[0]).toBe('Fee & Der');
    expect(elementTexts(xml, 'category')).toContain('Cats & Mice');
    const content = elementTexts(xml, 'content:encoded')[0]!;
    expect(content).toContain('href="http://quire.test/"');
    expect(content).toContain('src="http://quire.test/uploads/media/0123456789abcdef01234567/640.webp"');
  });
});

describe('GET /sitemap.xml', () => {
  it('lists home, published posts with lastmod, tag and author pages, and nothing unpublished', async () => {
    const res = await request(app).get('/sitemap.xml');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/xml; charset=utf-8');
    assertWellFormedXml(res.text);
    const locs = elementTexts(res.text, 'loc');
    expect(locs[0]).toBe('http://quire.test/');
    expect(locs).toContain('http://quire.test/posts/tom-and-jerry-s-best-episode');
    expect(locs).toContain('http://quire.test/tags/cats-and-mice');
    expect(locs).toContain('http://quire.test/authors/feeder');
    expect(locs.filter((l) => l.includes('/posts/'))).toHaveLength(23);
    expect(locs.some((l) => l.includes('unfinished-draft') || l.includes('future-scheduled'))).toBe(false);
    expect(res.text).toMatch(/<lastmod>\d{4}-\d{2}-\d{2}T[\d:.]+Z<\/lastmod>/);
  });
});

describe('GET /robots.txt', () => {
  it('allows all, keeps private areas out and points to the sitemap', async () => {
    const res = await request(app).get('/robots.txt');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(res.text).toContain('User-agent: *\nAllow: /\n');
    for (const path of ['/admin', '/dashboard', '/account', '/media', '/posts/*/edit']) expect(res.text).toContain(`Disallow: ${path}\n`);
    expect(res.text).toContain('Sitemap: http://quire.test/sitemap.xml');
  });
});

describe('remote images in the feed', () => {
  it('reach feed readers as links, never as <img> (no tracking pixels); the site’s own images stay images', async () => {
    const remote = [
      'https://tracker.example/pixel.gif?u=1',
      'http://tracker.example/p.png',
      'https://quire.test.evil.example/x.png', // a look-alike host
      'https://user@quire.test.evil.example/y.png',
    ];
    const body = [...remote.map((src, i) => `![remote ${i}](${src})`), '<img src="https://tracker.example/raw.gif" alt="">', '![own](/uploads/media/0123456789abcdef0123456789abcdef/640.webp)', '![absolute own](http://quire.test/uploads/media/0123456789abcdef0123456789abcdef/320.webp)'].join('\n\n');
    await makePost({ author, title: 'Newest, with pixels', body, status: 'published' });
    const res = await request(app).get('/feed.xml');
    assertWellFormedXml(res.text);
    const content = elementTexts(res.text, 'content:encoded')[0]!;
    const imgs = [...content.matchAll(/<img\b[^>]*>/g)].map((m) => m[0]);
    expect(imgs).toHaveLength(2);
    for (const img of imgs) expect(img).toMatch(/src="http:\/\/quire\.test\/uploads\/media\//);
    expect(content).not.toMatch(/<img\b[^>]*tracker/);
    for (const [i, src] of remote.entries()) {
      expect(content).toContain(`<a href="${src.replace(/&/g, '&amp;')}" rel="nofollow noopener noreferrer">[Image: remote ${i}]</a>`);
    }
    expect(content).toContain('<a href="https://tracker.example/raw.gif" rel="nofollow noopener noreferrer">[Image: https://tracker.example/raw.gif]</a>');
  });
});
