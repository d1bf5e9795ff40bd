// npm run seed: the seed() behind the CLI, driven directly with a small site (the CLI only parses flags and
// prints). One database for the whole file, so the runs build on each other in order.
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { verifyPassword } from '../../src/users/password.js';
import { writeCredentials } from '../../src/cli/seed.js';
import { drawCover } from '../../src/cli/seed/covers.js';
import { articleOrder } from '../../src/cli/seed/posts.js';
import { seed, SeedRefused, type SeedReport } from '../../src/cli/seed/seed.js';
import { Media } from '../../src/media/media.model.js';
import { LocalDiskStorage } from '../../src/media/storage.js';
import { displayStatus, Post } from '../../src/posts/post.model.js';
import { slugify } from '../../src/posts/slugs.js';
import { TOPICS } from '../../src/cli/seed/topics.js';
import { Tag } from '../../src/posts/tag.model.js';
import { User } from '../../src/users/user.model.js';

const logger = pino({ level: 'silent' });
const storage = new LocalDiskStorage(mkdtempSync(join(tmpdir(), 'quire-seed-test-')), '/uploads');
const development = { isProduction: false };
// The covers are drawn at 320 px instead of 1600: the same pictures and renditions, a twenty-fifth of
// sharp's work (most of this file's time at full size).
const coverWidth = 320;

async function counts() {
  const posts = await Post.find({}, 'status publishedAt coverMediaId').lean();
  const by = (status: string) => posts.filter((p) => displayStatus(p) === status).length;
  return {
    users: await User.countDocuments(),
    published: by('published'),
    drafts: by('draft'),
    scheduled: by('scheduled'),
    tags: await Tag.countDocuments(),
    media: await Media.countDocuments(),
    withCover: posts.filter((p) => p.coverMediaId).length,
  };
}

describe('seed', () => {
  let first: SeedReport;

  it('refuses under NODE_ENV=production without --force, and writes nothing', async () => {
    const err = await seed({ config: { isProduction: true }, logger, storage, posts: 5 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SeedRefused);
    expect((err as Error).message).toMatch(/--force/);
    expect(await User.countDocuments()).toBe(0);
    expect(await Post.countDocuments()).toBe(0);
  });

  it('creates an account of each role, covers, articles over 12 tags, drafts and scheduled posts', { timeout: 180_000 }, async () => {
    first = await seed({ config: development, logger, storage, coverWidth, posts: 64 });
    expect(first.unchanged).toBe(false);
    expect(first.added).toEqual({ users: 4, covers: 12, articles: 60, drafts: 3, scheduled: 3, generated: 4 });

    const users = await User.find({}, 'username email role passwordHash emailVerifiedAt').lean();
    expect(users.every((u) => u.emailVerifiedAt instanceof Date)).toBe(true);
    expect(users.map((u) => [u.role, u.username, u.email]).sort()).toEqual([
      ['admin', 'admin', 'admin@example.com'],
      ['author', 'author', 'author@example.com'],
      ['editor', 'editor', 'editor@example.com'],
      ['reader', 'reader', 'reader@example.com'],
    ]);
    // The passwords shown once are the accounts' real passwords.
    for (const shown of first.users) {
      expect(shown.password).toMatch(/^[\w-]{16}$/);
      const stored = users.find((u) => u.username === shown.username)!;
      expect((await verifyPassword(shown.password!, stored.passwordHash)).ok).toBe(true);
    }

    expect(await counts()).toEqual({ users: 4, published: 64, drafts: 3, scheduled: 3, tags: 12, media: 12, withCover: 69 });
    const media = await Media.find({}, 'alt variants').lean();
    for (const m of media) {
      expect(m.alt).toMatch(/^Abstract cover for /);
      expect(m.variants.length).toBeGreaterThan(0);
    }
    // Articles are written by the author and the editor, in Markdown with headings, lists, code and links.
    const article = await Post.findOne({ slug: 'closures-explained-with-a-shopping-list' }).lean();
    expect(article).toMatchObject({ status: 'published', tags: ['javascript'] });
    expect(article!.bodyHtml).toMatch(/<h2>[\s\S]*<ul>[\s\S]*<pre><code class="hljs language-js"><span class="hljs-[\s\S]*<a href="https:\/\//);
    const writers = await Post.distinct('author');
    expect(writers.map(String).sort()).toEqual(users.filter((u) => u.role === 'author' || u.role === 'editor').map((u) => String(u._id)).sort());
  });

  it('draws the covers at 1600x900 unless told otherwise, the same picture at any width', () => {
    const full = drawCover(TOPICS[0]!, 0);
    expect(full.svg).toMatch(/^<svg [^>]*width="1600" height="900" viewBox="0 0 1600 900"/);
    const small = drawCover(TOPICS[0]!, 0, coverWidth);
    expect(small.svg).toMatch(/^<svg [^>]*width="320" height="180" viewBox="0 0 1600 900"/);
    expect(small.svg.replace(/^<svg[^>]*>/, '')).toBe(full.svg.replace(/^<svg[^>]*>/, ''));
  });

  it('changes nothing when run again, and shows no password again', async () => {
    const before = await counts();
    const again = await seed({ config: development, logger, storage, coverWidth, posts: 64 });
    expect(again.unchanged).toBe(true);
    expect(again.users.every((u) => u.password === undefined)).toBe(true);
    expect(await counts()).toEqual(before);
  });

  it('tops the site up to --posts with generated posts, older than the articles', async () => {
    const oldestArticle = await Post.findOne({ slug: slugify(articleOrder().at(-1)!.title) }, 'publishedAt').lean();
    const report = await seed({ config: development, logger, storage, coverWidth, posts: 100 });
    expect(report.added).toMatchObject({ users: 0, covers: 0, articles: 0, generated: 36 });
    expect((await counts()).published).toBe(100);
    const articles = new Set(articleOrder().map((a) => slugify(a.title)));
    const generated = (await Post.find({ status: 'published' }, 'slug publishedAt').lean()).filter((p) => !articles.has(p.slug) && p.publishedAt! < new Date());
    expect(generated).toHaveLength(40);
    for (const p of generated) expect(p.publishedAt!.getTime()).toBeLessThan(oldestArticle!.publishedAt!.getTime());
  });

  it('writes the created accounts to a credentials file only its owner can read', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'quire-seed-creds-')), 'credentials.json');
    writeCredentials(file, first);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const written = JSON.parse(readFileSync(file, 'utf8')) as Record<string, { username: string; email: string; password: string }>;
    expect(Object.keys(written).sort()).toEqual(['admin', 'author', 'editor', 'reader']);
    expect(written.author).toEqual({ username: 'author', email: 'author@example.com', password: first.users.find((u) => u.role === 'author')!.password });
  });
});
