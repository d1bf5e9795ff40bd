// What the WordPress and Ghost importers share: they read their files into these plain shapes, and the
// ImportWriter turns them into Quire's users, tags, posts, comments, media and redirects with the same
// rules for both. Posts become posts; the source's static pages become Pages (src/pages), rendered and
// sanitised by the pages domain's own rules, at /pages/<slug>. Every item is written on its own: one that fails is reported (item and reason) and the
// run goes on. In a dry run the writer decides everything and writes nothing.
//
// Stable ids: each imported record's _id is derived from the source site and the item's id there
// (sha-256, first 12 bytes), so a second run of the same file finds what the first wrote and skips it;
// with --merge an existing post is replaced only when the source says it was modified after our copy.
//
// Defences: bodies are HTML from another system, so they become Markdown (turndown) and then pass the
// post sanitiser like any body an author saves; images are read only from the folder given beside the
// file (never fetched) and go through the upload pipeline (probe, re-encode, size and pixel limits);
// accounts are created without a usable password (they sign in after a reset or an invitation) and never
// with a role above author; redirects only ever point at a path on this site.
import { createHash } from 'node:crypto';
import mongoose, { Types } from 'mongoose';
import { Tag } from '../posts/tag.model.js';
import { COMMENT_MAX_LENGTH, Comment } from '../comments/comment.model.js';
import { fingerprintOf, renderCommentBody } from '../comments/comment-text.js';
import { isDuplicateKey } from '../db/duplicate-key.js';
import { toImageView } from '../media/image-view.js';
import { uploadMedia } from '../media/media.service.js';
import type { Storage } from '../media/storage.js';
import { plainText } from '../posts/markdown.js';
import { Post } from '../posts/post.model.js';
import { deriveBody, freeSlug, renderBody } from '../posts/post-content.js';
import { BODY_MAX } from '../posts/post-forms.js';
import { slugify, withSuffix } from '../posts/slugs.js';
import { MAX_TAGS, rememberTags, type TagRef } from '../posts/tags.js';
import { normalizeRedirectPath, Redirect } from '../site/redirect.model.js';
import { Page } from '../pages/page.model.js';
import { pageBody } from '../pages/pages.service.js';
import { User } from '../users/user.model.js';
import { NO_PASSWORD } from './archive-format.js';
import { autoParagraphs, htmlToMarkdown } from './html-to-markdown.js';
import type { ImportReport } from './import-report.js';

export interface ImportedUser {
  key: string;
  username: string;
  email: string;
  displayName: string;
  bio?: string;
}

export interface ImportedComment {
  key: string;
  parentKey: string | null;
  authorName: string;
  authorEmail: string;
  /** The comment as the source stored it (HTML or text); kept as plain text. */
  content: string;
  createdAt: Date | null;
}

export interface ImportedPost {
  key: string;
  kind: 'post' | 'page';
  title: string;
  /** The source's slug ('' to make one from the title). */
  slug: string;
  html: string;
  /** A hand-written excerpt ('' to take it from the body). */
  excerpt: string;
  status: 'draft' | 'published';
  publishedAt: Date | null;
  createdAt: Date | null;
  updatedAt: Date | null;
  authorKey: string | null;
  tags: TagRef[];
  /** The featured image, as the source names it (a URL). */
  cover: { ref: string; alt: string } | null;
  /** Paths this item had on the old site; each becomes a 301 to its Quire address. */
  oldPaths: string[];
  comments: ImportedComment[];
}

/** Where image files come from: only ever a local folder (see wxr.ts / ghost.ts). */
export interface ImageSource {
  /** The file's bytes, its name, and where it was found (the same file behind two URLs is uploaded once). */
  load(ref: string): Promise<{ data: Buffer; name: string; path: string } | null>;
}

export interface WriterOptions {
  storage: Storage;
  dryRun: boolean;
  merge: boolean;
  maxImageBytes: number;
  images: ImageSource;
  progress?: ((line: string) => void) | undefined;
}

interface KnownUser {
  id: Types.ObjectId;
  displayName: string;
  role: 'reader' | 'author' | 'editor' | 'admin';
}

const USERNAME_MAX = 30;
/** Most Markdown an imported body may turn into: the editor's limit. */
const HTML_MAX = BODY_MAX * 5;

export function stableId(namespace: string, type: string, key: string): Types.ObjectId {
  return new Types.ObjectId(createHash('sha256').update(`${namespace}\u0000${type}\u0000${key}`).digest().subarray(0, 12));
}

function usernameFrom(text: string): string {
  const base = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, USERNAME_MAX - 4);
  return base.length >= 3 ? base : `user-${base}`.replace(/-$/, '') || 'user';
}

const EMAIL = /^[^\s@<>"]+@[^\s@<>"]+\.[^\s@<>"]+$/;

export class ImportWriter {
  private readonly users = new Map<string, KnownUser>();
  private readonly images = new Map<string, { id: Types.ObjectId | null; url: string } | null>();
  private readonly imageFiles = new Map<string, { id: Types.ObjectId | null; url: string } | null>();
  private readonly claimedUsernames = new Set<string>();
  private readonly claimedSlugs = new Set<string>();
  private readonly claimedPageSlugs = new Set<string>();
  private fallbackAuthor: KnownUser | null | undefined;
  private posts = 0;

  constructor(
    private readonly namespace: string,
    private readonly source: 'wordpress' | 'ghost',
    private readonly report: ImportReport,
    private readonly options: WriterOptions,
  ) {}

  /** An account for an author (role author) or a commenter (role reader); an existing account with the same email is used as it is. */
  async user(u: ImportedUser, role: 'author' | 'reader'): Promise<KnownUser | null> {
    const type = role === 'author' ? 'author' : 'commenter';
    const cacheKey = `${type}:${u.key}`;
    const cached = this.users.get(cacheKey);
    if (cached) return cached;
    const id = stableId(this.namespace, type, u.key);
    const displayName = (u.displayName || u.username || 'Imported user').trim().slice(0, 80);
    let email = u.email.trim().toLowerCase();
    if (!EMAIL.test(email) || email.length > 254) email = `${id.toHexString()}@imported.invalid`;
    try {
      const existing = (await User.findById(id, 'displayName role').lean()) ?? (await User.findOne({ email }, 'displayName role').lean());
      if (existing) {
        const known = { id: existing._id, displayName: existing.displayName, role: existing.role };
        this.users.set(cacheKey, known);
        this.report.count(type === 'author' ? 'authors' : 'commenters', 'skipped');
        return known;
      }
      const username = await this.freeUsername(usernameFrom(u.username || displayName || email.split('@')[0]!));
      const known: KnownUser = { id, displayName, role };
      const doc = new User({ _id: id, username, email, displayName, bio: (u.bio ?? '').slice(0, 2000), passwordHash: NO_PASSWORD, role });
      await doc.validate();
      if (!this.options.dryRun) await doc.save();
      this.users.set(cacheKey, known);
      this.report.count(type === 'author' ? 'authors' : 'commenters', 'created', 1, `@${username}`);
      return known;
    } catch (err) {
      this.report.fail(type === 'author' ? 'authors' : 'commenters', u.username || u.email || u.key, isDuplicateKey(err) ? 'an account with this name or email appeared meanwhile' : (err as Error).message);
      return null;
    }
  }

  private async freeUsername(base: string): Promise<string> {
    for (let n = 1; ; n++) {
      const candidate = n === 1 ? base : `${base.slice(0, USERNAME_MAX - String(n).length - 1)}-${n}`;
      if (this.claimedUsernames.has(candidate)) continue;
      if (!(await User.exists({ username: candidate }))) {
        this.claimedUsernames.add(candidate);
        return candidate;
      }
    }
  }

  /** Posts whose author is unknown belong to the site's first administrator. */
  private async defaultAuthor(): Promise<KnownUser | null> {
    if (this.fallbackAuthor === undefined) {
      const admin = await User.findOne({ role: 'admin' }, 'displayName role').sort({ _id: 1 }).lean();
      this.fallbackAuthor = admin ? { id: admin._id, displayName: admin.displayName, role: admin.role } : null;
    }
    return this.fallbackAuthor;
  }

  async tags(tags: TagRef[]): Promise<void> {
    if (tags.length === 0) return;
    const known = new Set((await Tag.find({ slug: mongoose.trusted({ $in: tags.map((t) => t.slug) }) }, 'slug').lean()).map((t) => t.slug));
    for (const t of tags) this.report.count('tags', known.has(t.slug) ? 'skipped' : 'created', 1, t.name);
    if (!this.options.dryRun) await rememberTags(tags);
  }

  /** The image behind `ref` in the media library (uploaded once per run), or null when it is not among the given files. */
  private async image(ref: string, alt: string, owner: KnownUser): Promise<{ id: Types.ObjectId | null; url: string } | null> {
    if (this.images.has(ref)) return this.images.get(ref)!;
    let result: { id: Types.ObjectId | null; url: string } | null = null;
    try {
      const file = await this.options.images.load(ref);
      if (!file) {
        this.report.count('images', 'skipped');
        if (this.report.notes.length < 50) this.report.notes.push(`image not among the given files, left as a link: ${ref.slice(0, 200)}`);
      } else if (this.imageFiles.has(file.path)) {
        result = this.imageFiles.get(file.path)!;
      } else if (file.data.length > this.options.maxImageBytes) {
        this.report.fail('images', ref, 'larger than MAX_UPLOAD_MB');
      } else if (this.options.dryRun) {
        this.report.count('images', 'created', 1, file.name);
        result = { id: null, url: ref };
      } else {
        const actor = { id: String(owner.id), role: owner.role === 'reader' ? ('author' as const) : owner.role };
        const media = await uploadMedia(actor, { buffer: file.data, originalname: file.name }, alt.slice(0, 300), this.options.storage);
        result = { id: media._id, url: toImageView(media, (key) => this.options.storage.url(key)).largest };
        this.report.count('images', 'created');
      }
      if (file && !this.imageFiles.has(file.path)) this.imageFiles.set(file.path, result);
    } catch (err) {
      // The upload pipeline's refusals (not an image, too many pixels) name the file and go on.
      this.report.fail('images', ref.slice(0, 200), (err as Error).message);
    }
    this.images.set(ref, result);
    return result;
  }

  /** Body images that are among the given files move into the media library; the HTML points at them. */
  private async localizeImages(html: string, owner: KnownUser): Promise<string> {
    const refs = new Set<string>();
    for (const m of html.matchAll(/<img\b[^>]*?\bsrc\s*=\s*(["'])(.*?)\1/gi)) refs.add(m[2]!);
    let out = html;
    for (const ref of refs) {
      const alt = /alt\s*=\s*(["'])(.*?)\1/i.exec(html.slice(html.indexOf(ref) - 300, html.indexOf(ref) + 300))?.[2] ?? '';
      const found = await this.image(ref.replace(/&amp;/g, '&'), alt, owner);
      if (found && found.id) out = out.split(ref).join(found.url);
    }
    return out;
  }

  /** The item's author (or the site's first administrator), its title and its body as Markdown. */
  private async content(p: ImportedPost): Promise<{ author: KnownUser; title: string; bodyMarkdown: string }> {
    if (p.html.length > HTML_MAX) throw new Error(`the body is larger than ${HTML_MAX.toLocaleString('en-US')} characters`);
    const author = (p.authorKey ? this.users.get(`author:${p.authorKey}`) : undefined) ?? (await this.defaultAuthor());
    if (!author) throw new Error('it has no author, and the site has no administrator to give it to');
    const title = (p.title.replace(/\s+/g, ' ').trim() || 'Untitled').slice(0, 200);
    let html = p.html;
    if (!this.options.dryRun) html = await this.localizeImages(html, author);
    const bodyMarkdown = htmlToMarkdown(autoParagraphs(html));
    if (bodyMarkdown.length > BODY_MAX) throw new Error(`the body is longer than ${BODY_MAX.toLocaleString('en-US')} characters`);
    return { author, title, bodyMarkdown };
  }

  async post(p: ImportedPost): Promise<void> {
    if (p.kind === 'page') return this.page(p);
    const type = 'posts';
    const id = stableId(this.namespace, p.kind, p.key);
    const label = `${p.slug || p.title || p.key}`.slice(0, 120);
    try {
      const existing = await Post.findById(id, 'slug updatedAt author').lean();
      if (existing && !(this.options.merge && p.updatedAt && p.updatedAt > existing.updatedAt)) {
        this.report.count(type, 'skipped');
        return;
      }
      const { author, title, bodyMarkdown } = await this.content(p);
      const excerpt = plainText(p.excerpt).slice(0, 400);
      // A dry run looks nothing up (its images were not stored): the body is rendered without their sizes.
      const body = this.options.dryRun ? { ...deriveBody(bodyMarkdown, excerpt), mediaIds: [] } : await renderBody(bodyMarkdown, excerpt);
      const cover = p.cover ? await this.image(p.cover.ref, p.cover.alt || title, author) : null;

      const slug = existing?.slug ?? (await this.freeSlug(slugify(p.slug || p.title) || 'post'));
      const tags = p.tags.slice(0, MAX_TAGS);
      const now = new Date();
      const doc = new Post({
        _id: id,
        title,
        slug,
        bodyMarkdown,
        ...body,
        ...(cover?.id ? { coverMediaId: cover.id, coverAlt: (p.cover!.alt || title).slice(0, 300) } : {}),
        tags: tags.map((t) => t.slug),
        author: author.id,
        status: p.status,
        publishedAt: p.status === 'published' ? (p.publishedAt ?? now) : null,
        lastEditor: author.id,
        lastEditorName: author.displayName,
        createdAt: p.createdAt ?? p.publishedAt ?? now,
        updatedAt: p.updatedAt ?? p.publishedAt ?? now,
      });
      await doc.validate();
      if (!this.options.dryRun) {
        await rememberTags(tags);
        if (existing) await Post.replaceOne({ _id: id }, { ...doc.toObject(), version: 1 }, { timestamps: false });
        else await Post.insertMany([doc.toObject()], { timestamps: false });
      }
      this.report.count(type, existing ? 'updated' : 'created', 1, `/posts/${slug}`);
      for (const path of p.oldPaths) await this.redirect(path, `/posts/${slug}`);
      await this.comments(p.comments, id, author.id);
      if (++this.posts % 100 === 0) this.options.progress?.(`${this.posts} posts and pages`);
    } catch (err) {
      this.report.fail(type, label, isDuplicateKey(err) ? 'its address is taken by another post' : (err as Error).message);
    }
  }

  /**
   * A static page, as the pages domain keeps one: its own collection and slugs, Markdown rendered and
   * sanitised by pageBody, draft or published. Pages have no publication date, so one the source had
   * scheduled for later is imported as a draft (it would otherwise be public at once). Pages have no tags,
   * cover or comments in Quire: those of the source's pages are left out (and counted as skipped).
   */
  private async page(p: ImportedPost): Promise<void> {
    const id = stableId(this.namespace, 'page', p.key);
    const label = `${p.slug || p.title || p.key}`.slice(0, 120);
    try {
      const existing = await Page.findById(id, 'slug updatedAt version').lean();
      if (existing && !(this.options.merge && p.updatedAt && p.updatedAt > existing.updatedAt)) {
        this.report.count('pages', 'skipped');
        return;
      }
      const { author, title, bodyMarkdown } = await this.content(p);
      const now = new Date();
      const scheduled = p.status === 'published' && p.publishedAt !== null && p.publishedAt > now;
      const slug = existing?.slug ?? (await this.freePageSlug(slugify(p.slug || p.title) || 'page'));
      const doc = new Page({
        _id: id,
        title,
        slug,
        bodyMarkdown,
        ...(await pageBody(bodyMarkdown)),
        status: scheduled ? 'draft' : p.status,
        author: author.id,
        lastEditorName: author.displayName,
        // A replaced page gets a new version, so an editor who had it open meets a conflict, not an overwrite.
        version: existing ? existing.version + 1 : 1,
        createdAt: p.createdAt ?? p.publishedAt ?? now,
        updatedAt: p.updatedAt ?? p.publishedAt ?? now,
      });
      await doc.validate();
      if (!this.options.dryRun) {
        if (existing) await Page.replaceOne({ _id: id }, doc.toObject(), { timestamps: false });
        else await Page.insertMany([doc.toObject()], { timestamps: false });
      }
      this.report.count('pages', existing ? 'updated' : 'created', 1, `/pages/${slug}`);
      if (scheduled && this.report.notes.length < 50) this.report.notes.push(`the page /pages/${slug} was scheduled for later: it is imported as a draft`);
      for (const path of p.oldPaths) await this.redirect(path, `/pages/${slug}`);
      if (p.comments.length) {
        this.report.count('comments', 'skipped', p.comments.length);
        if (this.report.notes.length < 50) this.report.notes.push(`Quire pages have no comments: the ${p.comments.length} on /pages/${slug} were not imported`);
      }
      if (++this.posts % 100 === 0) this.options.progress?.(`${this.posts} posts and pages`);
    } catch (err) {
      this.report.fail('pages', label, isDuplicateKey(err) ? 'its address is taken by another page' : (err as Error).message);
    }
  }

  private async freePageSlug(base: string): Promise<string> {
    for (let n = 1; ; n++) {
      const slug = n === 1 ? base : withSuffix(base, String(n));
      if (this.claimedPageSlugs.has(slug) || (await Page.exists({ slug }))) continue;
      this.claimedPageSlugs.add(slug);
      return slug;
    }
  }

  private async freeSlug(base: string): Promise<string> {
    // In a dry run nothing is written, so slugs this run has picked count as taken too.
    let slug = await freeSlug(base);
    for (let n = 2; this.claimedSlugs.has(slug); n++) slug = `${base}-${n}`;
    this.claimedSlugs.add(slug);
    return slug;
  }

  async redirect(oldPath: string, to: string): Promise<void> {
    const path = normalizeRedirectPath(oldPath);
    if (path === '/' || path === normalizeRedirectPath(to)) return;
    try {
      if (this.options.dryRun) {
        this.report.count('redirects', 'created', 1, `${path} -> ${to}`);
        return;
      }
      // An old path that already leads somewhere keeps its target (first import wins).
      const result = await Redirect.updateOne({ path }, { $setOnInsert: { path, to, source: this.source } }, { upsert: true, runValidators: true });
      this.report.count('redirects', result.upsertedCount ? 'created' : 'skipped');
    } catch (err) {
      if (isDuplicateKey(err)) this.report.count('redirects', 'skipped');
      else this.report.fail('redirects', path.slice(0, 200), (err as Error).message);
    }
  }

  /**
   * A post's approved comments. Quire threads one level deep (src/comments): a reply's `parent` is the
   * top-level comment it belongs under, as comments.service stores a reply to a reply. So the source's
   * deeper threads are flattened to their top-level comment, and a reply whose thread cannot be followed to
   * an imported top-level comment (its parent was pending, spam, or failed to import) becomes a top-level
   * comment itself: the thread view only shows replies under a top-level comment it has, and would hide it.
   */
  private async comments(comments: ImportedComment[], postId: Types.ObjectId, postAuthor: Types.ObjectId): Promise<void> {
    const byKey = new Map(comments.map((c) => [c.key, c]));
    const topOf = (c: ImportedComment): string | null => {
      // Follow parents up to a comment with none; a loop or a missing link ends the walk.
      const seen = new Set([c.key]);
      let top: ImportedComment | undefined = c;
      while (top?.parentKey) {
        if (seen.has(top.parentKey)) return null;
        seen.add(top.parentKey);
        top = byKey.get(top.parentKey);
      }
      return top && top !== c ? top.key : null;
    };
    const tops = new Map(comments.map((c) => [c.key, topOf(c)]));
    // Top-level comments first, so that each reply's parent is known to exist when the reply is written.
    const written = new Set<string>();
    for (const c of comments) if (tops.get(c.key) === null && (await this.comment(c, postId, postAuthor, null))) written.add(c.key);
    for (const c of comments) {
      const top = tops.get(c.key);
      if (top) await this.comment(c, postId, postAuthor, written.has(top) ? stableId(this.namespace, 'comment', top) : null);
    }
  }

  /** An approved comment, by a reader account made for its author (no password); true when it is (or already was) there. */
  private async comment(c: ImportedComment, postId: Types.ObjectId, postAuthor: Types.ObjectId, parent: Types.ObjectId | null): Promise<boolean> {
    const id = stableId(this.namespace, 'comment', c.key);
    try {
      if (await Comment.exists({ _id: id })) {
        this.report.count('comments', 'skipped');
        return true;
      }
      const text = plainText(c.content).slice(0, COMMENT_MAX_LENGTH).trim();
      if (!text) throw new Error('the comment is empty');
      const author = await this.user({ key: c.authorEmail.toLowerCase() || `name:${c.authorName}`, username: c.authorName, email: c.authorEmail, displayName: c.authorName }, 'reader');
      const createdAt = c.createdAt ?? new Date();
      const doc = new Comment({ _id: id, post: postId, postAuthor, author: author?.id ?? null, body: text, bodyHtml: renderCommentBody(text), fingerprint: fingerprintOf(text), status: 'approved', parent, createdAt, updatedAt: createdAt });
      await doc.validate();
      // Through the model, so that the write is announced and cached threads are rebuilt.
      if (!this.options.dryRun) await Comment.insertMany([doc.toObject()], { timestamps: false });
      this.report.count('comments', 'created');
      return true;
    } catch (err) {
      this.report.fail('comments', c.key, (err as Error).message);
      return false;
    }
  }
}
