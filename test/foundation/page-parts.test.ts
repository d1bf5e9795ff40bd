// Pages stitched from prepared pieces (src/http/page-parts.ts): the stitched gzip body must be the page,
// byte for byte, in every arrangement of pieces and text; markers never reach a client; and a miss of a
// page with fragments is sent stitched, as the page the same request renders without the cache.
import express from 'express';
import { request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { pino } from 'pino';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { fingerprint, newPiece, PageParts, Prepared, type Piece } from '../../src/http/page-parts.js';
import { PageCache } from '../../src/http/page-cache.js';
import { readCookies } from '../../src/http/personal.js';
import { configureViews } from '../../src/http/views.js';
import { testConfig } from '../support/app.js';
import { makeUser } from '../support/factories.js';
import { makePost, makePublishedSeries } from '../support/posts.js';
import { sessionFor } from '../support/session.js';

const MARKERS = /[\uE000\uE001]/;

/** A page of `parts`: strings are page text, pieces are fragments (marked as templates.ts marks them). */
function page(parts: PageParts, layout: Array<string | Piece>): string {
  return layout.map((part) => (typeof part === 'string' ? part : parts.mark(part))).join('');
}

const plain = (layout: Array<string | Piece>) => layout.map((part) => (typeof part === 'string' ? part : part.html)).join('');

describe('stitching a page from pieces', () => {
  const card = (n: number) => newPiece(`<article class="card">Card ${n}: “quoted” → café ${'words '.repeat(n * 20)}😀</article>`);
  const layouts: Record<string, Array<string | Piece>> = {
    'a list: long text, pieces with short text between them, long text': [
      `<!doctype html><head><title>Home · Quire</title></head><body>${'<nav>menu</nav>'.repeat(20)}`,
      card(1),
      '</div><div class="col">',
      card(2),
      '</div><div class="col">',
      card(3),
      `</div></div><nav>${'← Newer · page 1 of 3 · Older →'.repeat(8)}</nav></body></html>`,
    ],
    'pieces next to each other, first and last': [card(4), card(5), 'x', card(6)],
    'runs broken by long text, short text at both ends': ['<p>', card(7), 'é'.repeat(300), card(8), '</p>'],
    'an empty piece and a piece of many bytes': ['<main>', newPiece(''), newPiece('ü'.repeat(70_000)), '</main>'],
    'text only': ['<p>no fragments at all</p>'],
  };

  for (const [name, layout] of Object.entries(layouts)) {
    it(`makes a gzip body that is the page, byte for byte: ${name}`, () => {
      const parts = new PageParts();
      const text = page(parts, layout);
      const expected = Buffer.from(plain(layout));
      expect(parts.resolve(text)).toBe(plain(layout));
      const stitched = parts.stitch(text, new Prepared());
      expect(stitched.identity.equals(expected)).toBe(true);
      // gunzip checks the CRC-32 and the length in the trailer as well as every block.
      expect(gunzipSync(stitched.gzip).equals(expected)).toBe(true);
    });
  }

  it('keeps the prepared text and runs, and tells runs of other pieces or other text apart', () => {
    const prepared = new Prepared();
    const [a, b, c] = [card(10), card(11), card(12)];
    const head = `<header>${'the same layout '.repeat(20)}</header>`;
    const first = new PageParts();
    const once = first.stitch(page(first, [head, a, '<hr>', b]), prepared);
    const second = new PageParts();
    const again = second.stitch(page(second, [head, a, '<hr>', b]), prepared);
    expect(again.gzip.equals(once.gzip)).toBe(true);
    expect(prepared.size).toBe(2);
    // Another piece, or other text of the same length between the same pieces: another run.
    for (const layout of [[head, a, '<hr>', c], [head, a, '<br>', b], [head, b, '<hr>', a]]) {
      const parts = new PageParts();
      const stitched = parts.stitch(page(parts, layout), prepared);
      expect(gunzipSync(stitched.gzip).toString()).toBe(plain(layout));
    }
  });

  it('tells apart texts that share a fingerprint (it reads only part of a long text)', () => {
    // Long layouts that differ in one character the fingerprint does not read (just past its first 256).
    const layout = (c: string) => `${'<head>'.repeat(43)}<p>${c}${'body text '.repeat(100)}</p>${'<footer>'.repeat(10)}`;
    const [one, other] = [layout('1'), layout('2')];
    expect(fingerprint(one)).toBe(fingerprint(other));
    expect(fingerprint(`${one} `)).not.toBe(fingerprint(one));
    const prepared = new Prepared();
    for (const text of [one, other, one, other]) {
      const parts = new PageParts();
      const stitched = parts.stitch(page(parts, [text, card(30)]), prepared);
      expect(gunzipSync(stitched.gzip).toString()).toBe(plain([text, card(30)]));
      expect(stitched.identity.toString()).toBe(plain([text, card(30)]));
    }
    expect(prepared.size).toBe(2);
  });

  it('keeps a bounded number of prepared texts', () => {
    const prepared = new Prepared(3);
    for (let i = 0; i < 10; i++) {
      const parts = new PageParts();
      parts.stitch(page(parts, [`<p>${String(i).repeat(200)}</p>`, card(i), '</p>']), prepared);
    }
    expect(prepared.size).toBe(3);
  });

  it('treats marker-like page text as text: the token is secret to the process', () => {
    const parts = new PageParts();
    const forged = `<h1>\uE000AAAAAAAAAAAA:0\uE001 and \uE001 and \uE000</h1>`;
    const text = page(parts, [forged, card(20), forged]);
    expect(parts.resolve(text)).toBe(plain([forged, card(20), forged]));
    expect(gunzipSync(parts.stitch(text, new Prepared()).gzip).toString()).toBe(plain([forged, card(20), forged]));
  });
});

describe('page-cache misses of pages with fragments', () => {
  const config = testConfig();
  const app = createApp({ config, logger: pino({ level: 'silent' }), pageCache: true });
  let server: Server;
  let slug: string;

  function get(path: string, headers: Record<string, string> = {}): Promise<{ headers: Record<string, string | string[] | undefined>; body: Buffer }> {
    const { port } = server.address() as AddressInfo;
    return new Promise((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, path, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
      });
      req.on('error', reject);
      req.end();
    });
  }

  beforeAll(async () => {
    await makeUser({ role: 'admin' });
    const author = await makeUser({ role: 'author' });
    await makePublishedSeries(author, 4);
    slug = (await makePost({ author, status: 'published', title: 'Stitched “post” → body', body: 'Café words. '.repeat(300) })).slug;
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('sends a miss stitched in gzip, even to a client preferring Brotli: the page itself, without markers', async () => {
    for (const path of ['/', `/posts/${slug}`]) {
      const plainPage = await get(`${path}?plain=1`, { 'Accept-Encoding': 'identity' });
      expect(plainPage.headers['x-page-cache'], path).toBe('miss');
      expect(plainPage.body.toString(), path).not.toMatch(MARKERS);
      const stitched = await get(`${path}?stitched=1`, { 'Accept-Encoding': 'gzip, br' });
      expect(stitched.headers['x-page-cache'], path).toBe('miss');
      expect(stitched.headers['content-encoding'], path).toBe('gzip');
      expect(Number(stitched.headers['content-length']), path).toBe(stitched.body.length);
      expect(gunzipSync(stitched.body).equals(plainPage.body), path).toBe(true);
    }
    const home = (await get('/?plain=2', { 'Accept-Encoding': 'identity' })).body.toString();
    expect(home.match(/class="card h-100 post-card/g)).toHaveLength(5);
    expect((await get(`/posts/${slug}?plain=2`)).body.toString()).toContain('Café words.');
  });

  it('makes the Brotli body of a kept page after its first hit, and hits then send it', async () => {
    const accept = { 'Accept-Encoding': 'gzip, br' };
    await get('/?kept=1', accept);
    const miss = await get('/?kept=1', accept);
    expect(miss.headers['content-encoding']).toBe('gzip');
    const hit = await get('/?kept=1', accept);
    expect(hit.headers['x-page-cache']).toBe('hit');
    expect(hit.body.equals(miss.body)).toBe(true);
    await new Promise((resolve) => setImmediate(resolve));
    const later = await get('/?kept=1', accept);
    expect(later.headers['content-encoding']).toBe('br');
    expect(later.headers.etag).toBe(miss.headers.etag);
  });

  it('renders fragments as HTML for requests the cache does not take (signed in)', async () => {
    const user = await makeUser({ displayName: 'Fragment Reader' });
    const signedIn = await request(app).get('/').set('Cookie', sessionFor(user, config).cookie);
    expect(signedIn.headers['x-page-cache']).toBeUndefined();
    expect(signedIn.text).toContain('Fragment Reader');
    expect(signedIn.text.match(/class="card h-100 post-card/g)).toHaveLength(5);
    expect(signedIn.text).not.toMatch(MARKERS);
  });

  it('sends a page it does not keep (a private one) as plain HTML, its markers replaced', async () => {
    // A response the cache captured and then refused to share: rendered with markers, sent without them.
    const mini = express();
    configureViews(mini);
    mini.use(readCookies('secret'));
    mini.use(new PageCache({ paths: /^\// }).middleware());
    const body = { html: '<p>The “body” → of a post</p>' };
    const post = {
      status: 'published',
      tags: [],
      title: 'A post',
      author: { avatarUrl: '/a.svg', url: '/authors/a', displayName: 'A', bio: '' },
      publishedAt: new Date(0),
      readingMinutes: 1,
      canEdit: false,
      slug: 'a-post',
      cover: null,
      body,
      newer: null,
      older: null,
    };
    const formatDate = (d: Date) => d.toISOString();
    mini.get('/private', (_req, res) => {
      res.set('Cache-Control', 'private, no-store');
      res.render('posts/post', { layout: false, formatDate, post });
    });
    mini.get('/gone', (_req, res) => {
      res.status(410).render('posts/post', { layout: false, formatDate, post });
    });
    mini.get('/kept', (_req, res) => {
      res.render('posts/post', { layout: false, formatDate, post });
    });
    const kept = await request(mini).get('/kept').set('Accept-Encoding', 'identity');
    expect(kept.headers['x-page-cache']).toBe('miss');
    expect(kept.text).toContain('<p>The “body” → of a post</p>');
    for (const path of ['/private', '/gone']) {
      const sent = await request(mini).get(path).set('Accept-Encoding', 'identity');
      expect(sent.status, path).toBe(path === '/gone' ? 410 : 200);
      // The same page as the one the cache stitched, as plain HTML.
      expect(sent.text, path).toBe(kept.text);
    }
  });
});
