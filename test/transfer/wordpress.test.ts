// WordPress (WXR) import: a realistic export with every construct the importer handles (posts, a page, a
// draft, a scheduled post, categories and tags, two authors, threaded approved comments (a reply to a reply,
// a reply to a pending comment) next to pending ones and a pingback, a featured image and body images from --media-dir, hostile HTML, malformed items),
// asserted through the app; then hostile XML (XXE, billion laughs) that must be refused unread.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { Comment } from '../../src/comments/comment.model.js';
import { Media } from '../../src/media/media.model.js';
import { Page } from '../../src/pages/page.model.js';
import { Post } from '../../src/posts/post.model.js';
import { Redirect } from '../../src/site/redirect.model.js';
import { NO_PASSWORD } from '../../src/transfer/archive-format.js';
import { ImportRefused } from '../../src/transfer/archive-import.js';
import { runImport } from '../../src/transfer/import.service.js';
import { User } from '../../src/users/user.model.js';
import { testApp } from '../support/app.js';
import { postSignIn } from '../support/auth.js';
import { makeUser } from '../support/factories.js';
import { makeImage } from '../support/media.js';
import { tempDir } from './support.js';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const { app, config } = testApp();

async function mediaDir(): Promise<string> {
  const dir = tempDir('quire-wp-media-');
  mkdirSync(join(dir, '2019/03'), { recursive: true });
  mkdirSync(join(dir, '2020/01'), { recursive: true });
  writeFileSync(join(dir, '2019/03/rose-bed.jpg'), await makeImage('jpeg', 900, 600));
  // Named like a picture, but a page of HTML: the upload pipeline must refuse it.
  writeFileSync(join(dir, '2020/01/not-really.jpg'), '<html><script>alert(1)</script></html>');
  return dir;
}

async function wpImport(file: string, options: { dryRun?: boolean; merge?: boolean; mediaDir?: string } = {}) {
  const { LocalDiskStorage } = await import('../../src/media/storage.js');
  return runImport(fixture(file), {
    storage: new LocalDiskStorage(config.uploadDir, '/uploads'),
    maxBytes: config.importMaxBytes,
    maxImageBytes: config.maxUploadBytes,
    ...options,
  });
}

describe('WordPress import', () => {
  let dir: string;
  beforeAll(async () => {
    await makeUser({ role: 'admin', username: 'siteadmin' });
    dir = await mediaDir();
  });

  it('a dry run reports what would change and writes nothing', async () => {
    const report = await wpImport('wordpress.xml', { dryRun: true, mediaDir: dir });
    expect(report.counts.posts).toMatchObject({ created: 4, failed: 2 });
    expect(report.planned).toContain('create posts /posts/pruning-roses');
    expect(report.planned).toContain('create pages /pages/about');
    expect(report.planned).toContain('create redirects /about -> /pages/about');
    expect(await Post.countDocuments()).toBe(0);
    expect(await Page.countDocuments()).toBe(0);
    expect(await User.countDocuments()).toBe(1);
    expect(await Media.countDocuments()).toBe(0);
    expect(await Redirect.countDocuments()).toBe(0);
  });

  it('imports posts, pages, drafts and scheduled posts with tags, authors, comments, images and redirects', async () => {
    const report = await wpImport('wordpress.xml', { mediaDir: dir });
    expect(report.counts.posts).toEqual({ created: 4, updated: 0, skipped: 0, failed: 2 });
    expect(report.counts.pages).toMatchObject({ created: 1 });
    // The malformed items are named with their reason; trash and menu items are skipped.
    expect(report.errors.map((e) => `${e.item}: ${e.reason}`)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^No id at all: .*wp:post_id/), expect.stringMatching(/^bad-date: .*cannot be read/), expect.stringMatching(/not-really\.jpg: .*not an accepted image/)]),
    );
    expect(report.counts['other items']).toMatchObject({ skipped: 3 });

    const page = await request(app).get('/posts/pruning-roses');
    expect(page.status).toBe(200);
    // HTML became Markdown and went through the post sanitiser: structure kept, scripts and handlers gone.
    expect(page.text).toMatch(/<h2[^>]*>Why prune<\/h2>/);
    expect(page.text).toContain('<li>Cut dead wood</li>');
    expect(page.text).toContain('<blockquote>');
    expect(page.text).toContain('language-bash');
    expect(page.text).not.toContain("alert('owned')");
    expect(page.text).not.toContain('onerror');
    expect(page.text).not.toContain('javascript:');
    expect(page.text).not.toContain('evil.example/frame');
    // The featured image and the body image (a resized copy of the same attachment) are in the media library.
    const media = await Media.find().lean();
    expect(media).toHaveLength(1);
    expect(page.text).toContain(`/uploads/media/${media[0]!.storageKey}/`);
    expect(page.text).not.toContain('old-garden.example/wp-content/uploads/2019');
    const post = await Post.findOne({ slug: 'pruning-roses' }).lean();
    expect(String(post!.coverMediaId)).toBe(String(media[0]!._id));
    expect(post!.excerpt).toBe('How and why we prune in March.');
    expect(post!.publishedAt!.toISOString()).toBe('2019-03-01T10:00:00.000Z');
    expect(post!.tags.sort()).toEqual(['pruning', 'roses']);

    // Approved comments only; the pending one and the pingback are not imported.
    expect(page.text).toContain('Lovely advice.');
    expect(page.text).not.toContain('Buy cheap pills');
    expect(page.text).not.toContain('pingback excerpt');
    expect(page.text).not.toContain('alert("c")');
    // Threads are one level deep, as Quire shows them: the reply and the reply to the reply are both shown
    // as replies under Gertrude's top-level comment; a reply to the (not imported) pending comment stands
    // on its own instead of vanishing.
    const replies = page.text.match(/<ol class="list-unstyled comment-replies[\s\S]*?<\/ol>/g) ?? [];
    expect(replies).toHaveLength(1);
    expect(replies[0]).toContain('aria-label="Replies to Gertrude Jekyll"');
    expect(replies[0]).toContain('Glad it helps, Gertrude.');
    expect(replies[0]).toContain('A reply to Rosa&#39;s reply.');
    expect(replies[0]).not.toContain('Answering the spam');
    expect(page.text).toContain('Answering the spam nobody can see.');
    const parent = (await Comment.collection.findOne({ body: { $regex: '^Lovely advice' } }))!;
    expect(parent.parent).toBeNull();
    for (const body of ['Glad it helps, Gertrude.', "A reply to Rosa's reply."]) expect(String((await Comment.findOne({ body }).lean())!.parent)).toBe(String(parent._id));
    expect((await Comment.findOne({ body: 'Answering the spam nobody can see.' }).lean())!.parent).toBeNull();

    // The draft and the scheduled post exist but are not public.
    expect((await Post.findOne({ title: 'Half-written: climbing roses' }).lean())!.status).toBe('draft');
    const scheduled = (await Post.findOne({ slug: 'autumn-planting' }).lean())!;
    expect(scheduled.status).toBe('published');
    expect(scheduled.publishedAt!.getUTCFullYear()).toBe(2099);
    expect((await request(app).get('/posts/autumn-planting')).status).toBe(404);

    // The page became a static page at /pages/about, not a post: not at /posts/about, not in the post lists.
    const about = await request(app).get('/pages/about');
    expect(about.status).toBe(200);
    expect(about.text).toContain('Visitors welcome on Sundays.');
    expect(await Page.findOne({ slug: 'about' }).lean()).toMatchObject({ title: 'About the garden', status: 'published' });
    expect((await request(app).get('/posts/about')).status).toBe(404);
    expect(await Post.exists({ title: 'About the garden' })).toBeNull();
    expect(await Post.exists({ tags: 'page' })).toBeNull();
    for (const list of ['/', '/feed.xml']) expect((await request(app).get(list)).text).not.toContain('About the garden');
    // A post by an unknown author went to the site's admin.
    const cafe = (await Post.findOne({ slug: 'cafe-notes' }).lean())!;
    expect(String(cafe.author)).toBe(String((await User.findOne({ username: 'siteadmin' }).lean())!._id));
  });

  it('keeps old permalinks and category addresses as 301 redirects to the new ones', async () => {
    const moved = await request(app).get('/2019/03/pruning-roses/');
    expect(moved.status).toBe(301);
    expect(moved.headers.location).toBe('/posts/pruning-roses');
    expect((await request(app).get('/2020/01/caf%C3%A9-notes/')).headers.location).toBe('/posts/cafe-notes');
    const category = await request(app).get('/category/roses/');
    expect(category.status).toBe(301);
    expect(category.headers.location).toBe('/tags/roses');
    const about = await request(app).get('/about/');
    expect(about.status).toBe(301);
    expect(about.headers.location).toBe('/pages/about');
    expect((await request(app).get('/tags/roses')).text).toContain('Pruning roses in March');
    expect((await request(app).get('/2019/03/no-such-post/')).status).toBe(404);
  });

  it('makes authors and commenters accounts that no password opens', async () => {
    const rosa = (await User.findOne({ username: 'rosa' }).lean())!;
    expect(rosa).toMatchObject({ role: 'author', email: 'rosa@old-garden.example', displayName: 'Rosa Gallica', passwordHash: NO_PASSWORD });
    const tom = (await User.findOne({ username: 'tom-thumb' }).lean())!;
    expect(tom.email).toMatch(/@imported\.invalid$/);
    const gertrude = (await User.findOne({ email: 'gertrude@borders.example' }).lean())!;
    expect(gertrude.role).toBe('reader');
    // Rosa's reply is hers (same email), not a second account.
    expect(await User.countDocuments({ email: 'rosa@old-garden.example' })).toBe(1);
    for (const identifier of ['rosa', 'gertrude@borders.example']) {
      for (const password of ['', NO_PASSWORD, '!']) {
        expect((await postSignIn(app, config, { identifier, password })).status).not.toBe(303);
      }
    }
  });

  it('a second run changes nothing', async () => {
    const counts = async () => [await Post.countDocuments(), await Page.countDocuments(), await User.countDocuments(), await Comment.countDocuments(), await Media.countDocuments(), await Redirect.countDocuments()];
    const before = await counts();
    const report = await wpImport('wordpress.xml', { mediaDir: dir });
    expect(report.counts.posts).toMatchObject({ created: 0, skipped: 4 });
    expect(report.counts.pages).toMatchObject({ created: 0, skipped: 1 });
    expect(report.counts.authors).toMatchObject({ created: 0 });
    expect(await counts()).toEqual(before);
  });

  it.each(['wxr-xxe.xml', 'wxr-billion-laughs.xml'])('refuses %s without expanding or reading anything', async (file) => {
    const posts = await Post.countDocuments();
    const err = await wpImport(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImportRefused);
    expect((err as Error).message).toMatch(/DOCTYPE/);
    expect((err as Error).message).not.toMatch(/root:|lollol/);
    expect(await Post.countDocuments()).toBe(posts);
    expect(await Post.exists({ slug: mongoose_slug(file) })).toBeNull();
  });
});

function mongoose_slug(file: string): string {
  return file.includes('xxe') ? 'leak' : 'laughs';
}
