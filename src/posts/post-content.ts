// The parts of a save that do not depend on who saves: what is derived from the body, the status and
// publish time an intent leads to, and free slugs.
import { randomBytes, randomInt } from 'node:crypto';
import mongoose from 'mongoose';
import { invalidField } from '../http/errors.js';
import { bodyImagesByStorageKeys } from '../media/media.service.js';
import { libraryKeysIn, type LibraryImages } from './body-images.js';
import { excerptOf, mediaKeysIn, plainText, proseText, readingMinutes, renderMarkdown } from './markdown.js';
import { Post, type StoredStatus } from './post.model.js';
import { readModel } from './read-model-choice.js';
import { firstFreeSlug, RESERVED_POST_SLUGS, slugify, withSuffix } from './slugs.js';

/** What the editor's buttons ask for: keep the status, publish now, publish at a later time, or make it a draft. */
export const INTENTS = ['save', 'publish', 'schedule', 'draft'] as const;
export type Intent = (typeof INTENTS)[number];

export interface DerivedBody {
  bodyHtml: string;
  bodyText: string;
  excerpt: string;
  customExcerpt: boolean;
  readingMinutes: number;
}

export function deriveBody(bodyMarkdown: string, customExcerpt: string, images?: LibraryImages): DerivedBody {
  const bodyHtml = renderMarkdown(bodyMarkdown, images);
  const bodyText = plainText(bodyHtml);
  const custom = customExcerpt.trim();
  return {
    bodyHtml,
    bodyText,
    excerpt: custom || excerptOf(proseText(bodyHtml)),
    customExcerpt: custom.length > 0,
    readingMinutes: readingMinutes(bodyText),
  };
}

/**
 * deriveBody with the library images the body shows looked up first (one query), so that they are
 * rendered at their size with their renditions (body-images.ts); and their ids, for the media library's
 * "used in". What saves and both previews use, so the preview is the published HTML.
 */
export async function renderBody(bodyMarkdown: string, customExcerpt: string): Promise<DerivedBody & { mediaIds: mongoose.Types.ObjectId[] }> {
  const images = await bodyImagesByStorageKeys(libraryKeysIn(bodyMarkdown));
  const body = deriveBody(bodyMarkdown, customExcerpt, images);
  const shown = new Set(mediaKeysIn(body.bodyHtml));
  return { ...body, mediaIds: [...images].filter(([key]) => shown.has(key)).map(([, image]) => image.id) };
}

export interface Publication {
  status: StoredStatus;
  publishedAt: Date | null;
}

/** The status and publish time after a save with this intent. */
export function resolvePublication(
  current: { status: StoredStatus; publishedAt?: Date | null | undefined } | null,
  intent: Intent,
  publishAt: Date | null,
  now = new Date(),
): Publication {
  switch (intent) {
    case 'save': {
      if (!current) return { status: 'draft', publishedAt: null };
      // Saving a scheduled post with a new time in the form moves the schedule, as the form suggests.
      const scheduled = current.status === 'published' && current.publishedAt && current.publishedAt > now;
      if (scheduled && publishAt && publishAt.getTime() !== current.publishedAt!.getTime()) return resolvePublication(current, 'schedule', publishAt, now);
      return { status: current.status, publishedAt: current.publishedAt ?? null };
    }
    case 'draft':
      return { status: 'draft', publishedAt: null };
    case 'publish': {
      // Re-saving a live post with "publish" keeps its original date; a draft or scheduled post goes live now.
      const live = current?.status === 'published' && current.publishedAt && current.publishedAt <= now;
      return { status: 'published', publishedAt: live ? current.publishedAt! : now };
    }
    case 'schedule':
      if (!publishAt) throw invalidField('publishAt', 'Choose the date and time to publish at.');
      if (publishAt <= now) throw invalidField('publishAt', 'Choose a time in the future, or publish now.');
      return { status: 'published', publishedAt: publishAt };
  }
}

/** The requested slug, checked: `null` when it is free, else the reason it cannot be used. */
export async function slugProblem(slug: string, postId: mongoose.Types.ObjectId | null): Promise<string | null> {
  if (RESERVED_POST_SLUGS.has(slug)) return 'That address is reserved. Choose another slug.';
  // Asked of the read model first (a filter on `slug` decodes every post on the embedded engine); the
  // unique index still has the last word when two saves race for one slug.
  const match = await readModel().slug(slug);
  if (match === null || (match !== 'unknown' && (match.moved || match.id === String(postId)))) return null;
  const other = await Post.exists({ slug, ...(postId ? { _id: mongoose.trusted({ $ne: postId }) } : {}) });
  return other ? 'Another post already uses this slug.' : null;
}

/**
 * `base` or the first free `base-N` among current slugs (old slugs may be taken over). On a retry
 * (`attempt` > 1, after the unique index refused the last pick), one of the first `attempt` free
 * candidates at random, so that saves racing for the same title spread out instead of colliding again
 * on the same next number; past RANDOM_AFTER attempts, a random suffix that nobody else can be picking.
 */
export async function freeSlug(title: string, attempt = 1): Promise<string> {
  const base = slugify(title) || 'post';
  if (attempt > RANDOM_AFTER) return withSuffix(base, randomBytes(4).toString('hex'));
  const taken = await readModel().slugsLike(base);
  const candidates: string[] = [];
  while (candidates.length < attempt) {
    const next = firstFreeSlug(base, taken);
    candidates.push(next);
    taken.add(next);
  }
  return candidates[randomInt(candidates.length)]!;
}

const RANDOM_AFTER = 8;

/**
 * A slug now in use stops redirecting from the post that had it before. Found through the read model (on
 * the embedded engine a lookup in memory instead of a scan of the collection), then changed by _id, so
 * that the write names its posts and the reading indexes patch them instead of rescanning every post. A
 * holder the in-memory model has not learnt of yet keeps its old redirect, which is harmless: a post's
 * current slug is always found before any post's previous one.
 */
export async function releasePreviousSlug(slug: string, ownerId: mongoose.Types.ObjectId): Promise<void> {
  const holders = await readModel().previousHolders(slug, String(ownerId));
  for (const id of holders) await Post.updateOne({ _id: id, previousSlugs: slug }, { $pull: { previousSlugs: slug } });
}
