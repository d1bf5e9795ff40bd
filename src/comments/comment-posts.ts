// What the comments domain needs to know about a post: whether it is public, whether comments are open on
// it (site-wide setting and the post's own switch), and who moderates it (its author, editors, admins).
import mongoose, { type Types } from 'mongoose';
import { getSettings } from '../site/settings.service.js';
import { displayStatus, Post } from '../posts/post.model.js';
import { readModel } from '../posts/read-model-choice.js';

export interface CommentablePost {
  _id: Types.ObjectId;
  slug: string;
  title: string;
  author: Types.ObjectId;
  /** Published and its time has come: what anonymous visitors can read. */
  live: boolean;
  commentsEnabled: boolean;
}

const FIELDS = 'slug title author status publishedAt commentsEnabled';

type PostFields = { _id: Types.ObjectId; slug: string; title: string; author: Types.ObjectId; status: 'draft' | 'published'; publishedAt?: Date | null; commentsEnabled?: boolean | null };

function toCommentable(doc: PostFields, now: Date): CommentablePost {
  return {
    _id: doc._id,
    slug: doc.slug,
    title: doc.title,
    author: doc.author,
    live: displayStatus(doc, now) === 'published',
    // Posts saved before the switch existed have no field: comments are on for them.
    commentsEnabled: doc.commentsEnabled !== false,
  };
}

export async function postBySlug(slug: string, now = new Date()): Promise<CommentablePost | null> {
  const doc = await Post.findOne({ slug }, FIELDS).lean<PostFields>();
  return doc ? toCommentable(doc, now) : null;
}

export async function postById(id: Types.ObjectId | string, now = new Date()): Promise<CommentablePost | null> {
  if (!mongoose.isValidObjectId(id)) return null;
  // The copy readers see, kept in memory until the next post write (a post page asks for it every time).
  const doc = (await readModel().post(id)) as PostFields | null;
  return doc ? toCommentable(doc, now) : null;
}

export async function postsByIds(ids: Iterable<Types.ObjectId>, now = new Date()): Promise<Map<string, CommentablePost>> {
  const unique = [...new Set([...ids].map(String))];
  if (unique.length === 0) return new Map();
  const docs = await Post.find({ _id: mongoose.trusted({ $in: unique }) }, FIELDS).lean<PostFields[]>();
  return new Map(docs.map((d) => [String(d._id), toCommentable(d, now)]));
}

export type ClosedReason = 'site' | 'post';

/** Why new comments (and edits) are not accepted on this post now, or null when they are. */
export async function closedReason(post: Pick<CommentablePost, 'commentsEnabled'>): Promise<ClosedReason | null> {
  if (!(await getSettings()).commentsEnabled) return 'site';
  return post.commentsEnabled ? null : 'post';
}
