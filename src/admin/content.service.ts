// Content administration: every post with filters, bulk actions, and what happens to a user's content
// when the user is deleted. Publishing, unpublishing and deleting go through the posts and media services,
// so revisions, the audit log and the public cache are handled in one place.
import mongoose from 'mongoose';
import { reassignPostComments } from '../comments/comment-lifecycle.js';
import { Media } from '../media/media.model.js';
import { deleteMedia } from '../media/media.service.js';
import type { Storage } from '../media/storage.js';
import { displayStatus, Post, type DisplayStatus, type PostDoc } from '../posts/post.model.js';
import { managedPosts } from '../posts/listing.service.js';
import { deletePost, setPublished } from '../posts/posts.service.js';
import { Tag } from '../posts/tag.model.js';
import { tagRefs, type TagRef } from '../posts/tags.js';
import { User } from '../users/user.model.js';
import type { ActingContext } from '../site/audit.service.js';
import { pageWindow } from '../db/page-window.js';

export const POSTS_PAGE_SIZE = 25;
export const DISPLAY_STATUSES = ['published', 'scheduled', 'draft'] as const satisfies readonly DisplayStatus[];

export interface AdminPostQuery {
  status?: DisplayStatus | undefined;
  author?: string | undefined;
  tag?: string | undefined;
  /** Words in the title (a literal substring). */
  q?: string | undefined;
  page: number;
}

export interface AdminPostRow {
  id: string;
  title: string;
  slug: string;
  status: DisplayStatus;
  author: { id: string; displayName: string; username: string } | null;
  tags: TagRef[];
  publishedAt: Date | null;
  updatedAt: Date;
}

type AdminPostDoc = Pick<PostDoc, '_id' | 'title' | 'slug' | 'status' | 'publishedAt' | 'author' | 'tags' | 'updatedAt'>;

export interface AdminPostList {
  posts: AdminPostRow[];
  total: number;
  page: number;
  pages: number;
}

async function authorsOf(ids: unknown[]): Promise<Map<string, { id: string; displayName: string; username: string }>> {
  const unique = [...new Set(ids.map(String))];
  if (unique.length === 0) return new Map();
  const users = await User.find({ _id: mongoose.trusted({ $in: unique }) }, 'displayName username').lean();
  return new Map(users.map((u) => [String(u._id), { id: String(u._id), displayName: u.displayName, username: u.username }]));
}

/** Every post (drafts and scheduled too), most recently updated first, one bounded page at a time. */
export async function listAdminPosts(query: AdminPostQuery, now = new Date()): Promise<AdminPostList> {
  const managed = { status: query.status, authorId: query.author, tag: query.tag, q: query.q, order: 'updated' as const };
  const fields = 'title slug author tags updatedAt';
  const asked = (Math.max(1, query.page) - 1) * POSTS_PAGE_SIZE;
  let { docs, total } = await managedPosts<AdminPostDoc>({ ...managed, offset: asked, limit: POSTS_PAGE_SIZE }, fields, now);
  // A page past the end shows the last one.
  const { page, pages, skip } = pageWindow(total, query.page, POSTS_PAGE_SIZE);
  if (skip !== asked) ({ docs, total } = await managedPosts<AdminPostDoc>({ ...managed, offset: skip, limit: POSTS_PAGE_SIZE }, fields, now));
  const [authors, tags] = await Promise.all([authorsOf(docs.map((d) => d.author)), tagRefs(docs.flatMap((d) => d.tags))]);
  return {
    posts: docs.map((d) => ({
      id: String(d._id),
      title: d.title,
      slug: d.slug,
      status: displayStatus(d, now),
      author: authors.get(String(d.author)) ?? null,
      tags: d.tags.map((slug) => tags.get(slug) ?? { slug, name: slug }),
      publishedAt: d.publishedAt ?? null,
      updatedAt: d.updatedAt,
    })),
    total,
    page,
    pages,
  };
}

const OPTIONS_LIMIT = 500;

export interface PostFilterOptions {
  authors: { id: string; label: string }[];
  tags: TagRef[];
}

/** Choices for the filters: people who may write, and every tag (both bounded). */
export async function postFilterOptions(): Promise<PostFilterOptions> {
  const [authors, tags] = await Promise.all([
    User.find({ role: mongoose.trusted({ $in: ['author', 'editor', 'admin'] }) }, 'displayName username')
      .sort({ displayName: 1 })
      .limit(OPTIONS_LIMIT)
      .lean(),
    Tag.find({}, 'slug name').sort({ name: 1 }).limit(OPTIONS_LIMIT).lean(),
  ]);
  return {
    authors: authors.map((u) => ({ id: String(u._id), label: `${u.displayName} (@${u.username})` })),
    tags: tags.map((t) => ({ slug: t.slug, name: t.name })),
  };
}

/** How much a user owns: shown before the user is deleted. */
export async function contentCountsOf(userId: string): Promise<{ posts: number; media: number }> {
  const [posts, media] = await Promise.all([Post.countDocuments({ author: userId }), Media.countDocuments({ owner: userId })]);
  return { posts, media };
}

/** Gives every post and image of one user to another. */
export async function reassignContent(fromId: string, toId: string): Promise<{ posts: number; media: number }> {
  const posts = await Post.updateMany({ author: fromId }, { $set: { author: toId } });
  const media = await Media.updateMany({ owner: fromId }, { $set: { owner: toId } });
  await reassignPostComments(fromId, toId);
  return { posts: posts.modifiedCount, media: media.modifiedCount };
}

const BATCH = 100;

/**
 * Deletes every post and image of one user through the posts and media services (revisions, files, the
 * audit log and the public cache are handled there), in bounded batches.
 */
export async function deleteContentOf(ctx: ActingContext, userId: string, storage: Storage): Promise<{ posts: number; media: number }> {
  const meta = { ip: ctx.ip };
  let posts = 0;
  let media = 0;
  for (;;) {
    const batch = await Post.find({ author: userId }, '_id').limit(BATCH).lean();
    if (batch.length === 0) break;
    for (const post of batch) {
      await deletePost(ctx.actor, post._id, meta);
      posts++;
    }
  }
  for (;;) {
    const batch = await Media.find({ owner: userId }, '_id').limit(BATCH).lean();
    if (batch.length === 0) break;
    for (const image of batch) {
      // Confirmed: the user's own posts are gone, and other posts using the image lose it as they would
      // if it were deleted from the media library.
      await deleteMedia(ctx.actor, String(image._id), storage, { confirmed: true, ip: ctx.ip });
      media++;
    }
  }
  return { posts, media };
}

export const BULK_ACTIONS = ['publish', 'unpublish', 'delete'] as const;
export type BulkAction = (typeof BULK_ACTIONS)[number];
export const BULK_MAX = 100;

export interface BulkCandidate {
  id: string;
  title: string;
  status: DisplayStatus;
  authorName: string;
}

/** The selected posts as the confirmation page lists them (unknown ids are left out). */
export async function postsForBulk(ids: string[], now = new Date()): Promise<BulkCandidate[]> {
  if (ids.length === 0) return [];
  const docs = await Post.find({ _id: mongoose.trusted({ $in: ids }) }, 'title status publishedAt author updatedAt')
    .sort({ updatedAt: -1, _id: -1 })
    .lean();
  const authors = await authorsOf(docs.map((d) => d.author));
  return docs.map((d) => ({
    id: String(d._id),
    title: d.title,
    status: displayStatus(d, now),
    authorName: authors.get(String(d.author))?.displayName ?? 'Deleted user',
  }));
}

export interface BulkOutcome {
  done: number;
  /** Already in the asked-for state, or gone since the list was shown. */
  skipped: number;
}

/** Publishes (now), unpublishes or deletes each selected post through the posts service. */
export async function applyBulk(ctx: ActingContext, action: BulkAction, ids: string[], now = new Date()): Promise<BulkOutcome> {
  const posts = await postsForBulk(ids, now);
  const meta = { ip: ctx.ip };
  let done = 0;
  for (const post of posts) {
    if (action === 'publish' && post.status === 'published') continue;
    if (action === 'unpublish' && post.status === 'draft') continue;
    if (action === 'delete') await deletePost(ctx.actor, post.id, meta);
    else await setPublished(ctx.actor, post.id, action === 'publish', meta);
    done++;
  }
  return { done, skipped: ids.length - done };
}
