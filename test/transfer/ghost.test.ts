// Ghost JSON import: a Ghost 5 export with a Lexical post, a Mobiledoc post, an HTML-only draft, a
// scheduled post, a page in `posts` and a draft page in a `pages` array, tags (one internal), two authors and their relations, a feature image from
// --media-dir, hostile HTML inside cards and malformed items; asserted through the app.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import mongoose from 'mongoose';
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { Media } from '../../src/media/media.model.js';
import { Page } from '../../src/pages/page.model.js';
import { LocalDiskStorage } from '../../src/media/storage.js';
import { Post } from '../../src/posts/post.model.js';
import { Tag } from '../../src/posts/tag.model.js';
import { ImportRefused } from '../../src/transfer/archive-import.js';
import { runImport } from '../../src/transfer/import.service.js';
import { User } from '../../src/users/user.model.js';
import { testApp } from '../support/app.js';
import { makeImage } from '../support/media.js';
import { tempDir } from './support.js';

const fixture = fileURLToPath(new URL('./fixtures/ghost.json', import.meta.url));
const { app, config } = testApp();

function ghostImport(file: string, options: { dryRun?: boolean; mediaDir?: string } = {}) {
  return runImport(file, {
    storage: new LocalDiskStorage(config.uploadDir, '/uploads'),
    maxBytes: config.importMaxBytes,
    maxImageBytes: config.maxUploadBytes,
    ...options,
  });
}

describe('Ghost import', () => {
  let dir: string;
  beforeAll(async () => {
    dir = tempDir('quire-ghost-media-');
    mkdirSync(join(dir, '2023/05'), { recursive: true });
    writeFileSync(join(dir, '2023/05/cover.png'), await makeImage('png', 700, 400));
    writeFileSync(join(dir, '2023/05/inline.png'), await makeImage('png', 300, 200));
  });

  it('imports posts from Lexical, Mobiledoc and HTML, with tags, authors, a page and a feature image', async () => {
    const report = await ghostImport(fixture, { mediaDir: dir });
    expect(report.counts.posts).toMatchObject({ created: 4, failed: 4 });
    expect(report.counts.pages).toMatchObject({ created: 2, failed: 0 });
    expect(report.errors.map((e) => e.item)).toEqual(expect.arrayContaining(['odd-status', 'broken-lexical', 'no-date', 'post 9']));

    const lexical = await request(app).get('/posts/written-in-lexical');
    expect(lexical.status).toBe(200);
    expect(lexical.text).toContain('<strong>bold</strong>');
    expect(lexical.text).toContain('<em>italic</em>');
    expect(lexical.text).toContain('<code>inline code</code>');
    expect(lexical.text).toContain('with &lt;tags&gt; escaped');
    expect(lexical.text).toMatch(/<h2[^>]*>A Lexical heading<\/h2>/);
    expect(lexical.text).toContain('<li>first bullet</li>');
    expect(lexical.text).toMatch(/<ol>\s*<li>step one<\/li>/);
    expect(lexical.text).toContain('<blockquote>');
    expect(lexical.text).toMatch(/class="(hljs )?language-python"/);
    expect(lexical.text).toContain('href="https://ghost.org/docs/"');
    expect(lexical.text).toContain('Raw card');
    expect(lexical.text).not.toContain('stale html');
    for (const bad of ['javascript:', "alert('lexical')", 'onerror']) expect(lexical.text).not.toContain(bad);
    // Both images came from --media-dir into the media library; the cover keeps its alt text.
    expect(await Media.countDocuments()).toBe(2);
    const post = (await Post.findOne({ slug: 'written-in-lexical' }).lean())!;
    expect(post.coverAlt).toBe('The cover of the Lexical post');
    expect(post.excerpt).toBe('A post written in Lexical.');
    expect(post.tags).toEqual(['getting-started']);
    expect(String(post.author)).toBe(String((await User.findOne({ username: 'hannah' }).lean())!._id));

    const mobiledoc = await request(app).get('/posts/written-in-mobiledoc');
    expect(mobiledoc.text).toContain('<strong>strong words</strong>');
    expect(mobiledoc.text).toContain('href="https://example.org/mobiledoc"');
    expect(mobiledoc.text).toContain('<li>mobile item one</li>');
    expect(mobiledoc.text).toContain('<strong>markdown card</strong>');
    expect(mobiledoc.text).toMatch(/class="(hljs )?language-bash"/);
    for (const bad of ['onclick', 'alert(3)', 'alert(4)']) expect(mobiledoc.text).not.toContain(bad);
    expect(mobiledoc.text).not.toMatch(/<script[^>]*>alert/);
    // The first author in posts_authors owns the post.
    expect(String((await Post.findOne({ slug: 'written-in-mobiledoc' }).lean())!.author)).toBe(String((await User.findOne({ username: 'ivo' }).lean())!._id));

    expect((await Post.findOne({ slug: 'only-html-draft' }).lean())!.status).toBe('draft');
    expect((await request(app).get('/posts/coming-soon')).status).toBe(404);
    expect((await Post.findOne({ slug: 'coming-soon' }).lean())!.publishedAt!.getUTCFullYear()).toBe(2099);
    // Pages are static pages at /pages/<slug>, not posts: not at /posts/<slug>, not in the post lists.
    const contact = await request(app).get('/pages/contact');
    expect(contact.status).toBe(200);
    expect(contact.text).toContain('Write to us.');
    expect((await request(app).get('/posts/contact')).status).toBe(404);
    expect(await Post.exists({ slug: mongoose.trusted({ $in: ['contact', 'colophon'] }) })).toBeNull();
    for (const list of ['/', '/feed.xml']) expect((await request(app).get(list)).text).not.toContain('Write to us.');
    // The page from the `pages` array is a draft: kept, sanitised, and not public.
    const colophon = (await Page.findOne({ slug: 'colophon' }).lean())!;
    expect(colophon).toMatchObject({ title: 'Colophon', status: 'draft' });
    expect(colophon.bodyHtml).toContain('<strong>Garamond</strong>');
    expect(colophon.bodyHtml).not.toContain('alert');
    expect((await request(app).get('/pages/colophon')).status).toBe(404);
    // Internal tags are not imported.
    expect(await Tag.exists({ slug: 'hash-internal-hash' })).toBeNull();
    expect(await User.countDocuments({ role: 'author' })).toBe(2);
  });

  it("keeps Ghost's addresses as 301 redirects", async () => {
    const moved = await request(app).get('/written-in-lexical/');
    expect(moved.status).toBe(301);
    expect(moved.headers.location).toBe('/posts/written-in-lexical');
    expect((await request(app).get('/tag/editors/')).headers.location).toBe('/tags/editors');
    const page = await request(app).get('/contact/');
    expect(page.status).toBe(301);
    expect(page.headers.location).toBe('/pages/contact');
  });

  it('a second run changes nothing, and a file that is not a Ghost export is refused', async () => {
    const before = await Post.countDocuments();
    const report = await ghostImport(fixture, { mediaDir: dir });
    expect(report.counts.posts).toMatchObject({ created: 0, skipped: 4 });
    expect(report.counts.pages).toMatchObject({ created: 0, skipped: 2 });
    expect(await Post.countDocuments()).toBe(before);
    expect(await Page.countDocuments()).toBe(2);
    expect(await Media.countDocuments()).toBe(2);

    const odd = join(tempDir(), 'not-ghost.json');
    writeFileSync(odd, JSON.stringify({ hello: 'world' }));
    await expect(ghostImport(odd)).rejects.toBeInstanceOf(ImportRefused);
  });
});
