// What the WordPress and Ghost importers share: they read their files into these plain shapes, and the
// ImportWriter turns them into Quire's users, tags, posts, comments, media and redirects with the same
// rules for both. Every item is written on its own: one that fails is reported (item and reason) and the
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
import { deriveBody, freeSlug, mediaIdsOf } from '../posts/post-content.js';
import { BODY_MAX } from '../posts/post-forms.js';
import { slugify } from '../posts/slugs.js';
import { MAX_TAGS, rememberTags, type TagRef } from '../posts/tags.js';
import { normalizeRedirectPath, Redirect } from '../site/redirect.model.js';
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
const PAGE_TAG: TagRef = { slug: 'page', name: 'Page' };

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

  async post(p: ImportedPost): Promise<void> {
    const type = p.kind === 'page' ? 'pages' : 'posts';
    const id = stableId(this.namespace, p.kind, p.key);
    const label = `${p.slug || p.title || p.key}`.slice(0, 120);
    try {
      const existing = await Post.findById(id, 'slug updatedAt author').lean();
      if (existing && !(this.options.merge && p.updatedAt && p.updatedAt > existing.updatedAt)) {
        this.report.count(type, 'skipped');
        return;
      }
      if (p.html.length > HTML_MAX) throw new Error(`the body is larger than ${HTML_MAX.toLocaleString('en-US')} characters`);
      const author = (p.authorKey ? this.users.get(`author:${p.authorKey}`) : undefined) ?? (await this.defaultAuthor());
      if (!author) throw new Error('it has no author, and the site has no administrator to give it to');
      const title = (p.title.replace(/\s+/g, ' ').trim() || 'Untitled').slice(0, 200);

      let html = p.html;
      if (!this.options.dryRun) html = await this.localizeImages(html, author);
      const bodyMarkdown = htmlToMarkdown(autoParagraphs(html));
      if (bodyMarkdown.length > BODY_MAX) throw new Error(`the body is longer than ${BODY_MAX.toLocaleString('en-US')} characters`);
      const body = deriveBody(bodyMarkdown, plainText(p.excerpt).slice(0, 400));
      const cover = p.cover ? await this.image(p.cover.ref, p.cover.alt || title, author) : null;

      const slug = existing?.slug ?? (await this.freeSlug(slugify(p.slug || p.title) || 'post'));
      const tags = [...(p.kind === 'page' ? [PAGE_TAG] : []), ...p.tags].slice(0, MAX_TAGS);
      const now = new Date();
      const doc = new Post({
        _id: id,
        title,
        slug,
        bodyMarkdown,
        ...body,
        mediaIds: this.options.dryRun ? [] : await mediaIdsOf(body.bodyHtml),
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
      for (const c of p.comments) await this.comment(c, id, author.id);
      if (++this.posts % 100 === 0) this.options.progress?.(`${this.posts} posts and pages`);
    } catch (err) {
      this.report.fail(type, label, isDuplicateKey(err) ? 'its address is taken by another post' : (err as Error).message);
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
   * An approved comment, by a reader account made for its author (no password). Quire shows comments as
   * one flat thread, oldest first; a reply keeps its parent's id in `parent` (the comment model has no such
   * field yet, so it is written beside the validated document) so that threads can be shown later.
   */
  private async comment(c: ImportedComment, postId: Types.ObjectId, postAuthor: Types.ObjectId): Promise<void> {
    const id = stableId(this.namespace, 'comment', c.key);
    try {
      if (await Comment.exists({ _id: id })) {
        this.report.count('comments', 'skipped');
        return;
      }
      const text = plainText(c.content).slice(0, COMMENT_MAX_LENGTH).trim();
      if (!text) throw new Error('the comment is empty');
      const author = await this.user({ key: c.authorEmail.toLowerCase() || `name:${c.authorName}`, username: c.authorName, email: c.authorEmail, displayName: c.authorName }, 'reader');
      const createdAt = c.createdAt ?? new Date();
      const doc = new Comment({ _id: id, post: postId, postAuthor, author: author?.id ?? null, body: text, bodyHtml: renderCommentBody(text), fingerprint: fingerprintOf(text), status: 'approved', createdAt, updatedAt: createdAt });
      await doc.validate();
      if (!this.options.dryRun) {
        const parent = c.parentKey ? stableId(this.namespace, 'comment', c.parentKey) : null;
        await Comment.collection.insertOne({ ...doc.toObject(), ...(parent ? { parent } : {}) } as never);
      }
      this.report.count('comments', 'created');
    } catch (err) {
      this.report.fail('comments', c.key, (err as Error).message);
    }
  }
}
