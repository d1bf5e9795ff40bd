// What templates get for posts: plain view objects with the author, cover image and tag names already
// joined in. A list of any length costs one query for its authors, one for its covers and one for its
// tag names, never one per post.
import mongoose, { type Types } from 'mongoose';
import { memoByKey } from '../http/content-memo.js';
import { imagesByIds } from '../media/media.service.js';
import type { ImageView } from '../media/image-view.js';
import type { Storage } from '../media/storage.js';
import { avatarUrl } from '../users/avatar.js';
import { User } from '../users/user.model.js';
import { displayStatus, type DisplayStatus, type PostDoc } from './post.model.js';
import { tagRefs, type TagRef } from './tags.js';

export interface AuthorView {
  id: string;
  username: string;
  displayName: string;
  avatarUrl: string;
  bio: string;
  url: string;
}

export interface PostCard {
  id: string;
  slug: string;
  url: string;
  title: string;
  excerpt: string;
  status: DisplayStatus;
  publishedAt: Date | null;
  updatedAt: Date;
  readingMinutes: number;
  cover: ImageView | null;
  author: AuthorView;
  tags: TagRef[];
}

/** The fields a card needs; list queries project these. */
export const CARD_FIELDS = 'title slug excerpt status publishedAt updatedAt readingMinutes coverMediaId coverAlt author tags';

export type CardSource = Pick<
  PostDoc,
  '_id' | 'title' | 'slug' | 'excerpt' | 'status' | 'publishedAt' | 'updatedAt' | 'readingMinutes' | 'coverMediaId' | 'coverAlt' | 'author' | 'tags'
>;

const UNKNOWN_AUTHOR: Omit<AuthorView, 'id'> = { username: '', displayName: 'Unknown author', avatarUrl: avatarUrl(null), bio: '', url: '/' };

export function toAuthorView(user: { _id: Types.ObjectId; username: string; displayName: string; avatarKey?: string | null; bio?: string | null }): AuthorView {
  return {
    id: String(user._id),
    username: user.username,
    displayName: user.displayName,
    avatarUrl: avatarUrl(user.avatarKey),
    bio: user.bio ?? '',
    url: `/authors/${encodeURIComponent(user.username)}`,
  };
}

// Public profiles change rarely and the User model announces every change: pages keep them in memory.
const authorViews = memoByKey(async (ids) => {
  const users = await User.find({ _id: mongoose.trusted({ $in: ids }) }, 'username displayName avatarKey bio').lean();
  return new Map(users.map((u) => [String(u._id), toAuthorView(u)]));
});

/** Authors by id, in at most one query. */
export async function authorsByIds(ids: Iterable<unknown>): Promise<Map<string, AuthorView>> {
  const unique = [...new Set([...ids].map(String))].filter((id) => mongoose.isValidObjectId(id));
  if (unique.length === 0) return new Map();
  return authorViews(unique);
}

/** Cards for a list of posts; without `storage`, no cover images (and no query for them). */
export async function toCards(posts: CardSource[], storage?: Storage, now = new Date()): Promise<PostCard[]> {
  const [authors, covers, tags] = await Promise.all([
    authorsByIds(posts.map((p) => p.author)),
    storage ? imagesByIds(posts.map((p) => p.coverMediaId), storage) : new Map<string, ImageView>(),
    tagRefs(posts.flatMap((p) => p.tags)),
  ]);
  return posts.map((p) => {
    const cover = p.coverMediaId ? covers.get(String(p.coverMediaId)) : undefined;
    return {
      id: String(p._id),
      slug: p.slug,
      url: `/posts/${p.slug}`,
      title: p.title,
      excerpt: p.excerpt,
      status: displayStatus(p, now),
      publishedAt: p.publishedAt ?? null,
      updatedAt: p.updatedAt,
      readingMinutes: p.readingMinutes,
      cover: cover ? { ...cover, alt: p.coverAlt || cover.alt } : null,
      author: authors.get(String(p.author)) ?? { id: String(p.author), ...UNKNOWN_AUTHOR },
      tags: p.tags.map((slug) => tags.get(slug) ?? { slug, name: slug }),
    };
  });
}
