// What readers see: the home page, tag and author pages, a post, and search. Only published posts whose
// time has come are public; drafts and scheduled posts are shown to those who may edit them, and to
// everyone else they do not exist (404, decided by the router from a null here).
import { can, type Actor } from '../site/permissions.js';
import { memoByKey, type Lookup } from '../http/content-memo.js';
import type { WorkMeter } from '../http/time-budget.js';
import type { ImageView } from '../media/image-view.js';
import { imagesByIds } from '../media/media.service.js';
import type { Storage } from '../media/storage.js';
import type { Types } from 'mongoose';
import { User } from '../users/user.model.js';
import { cursorOf, parseCursor } from '../db/cursor.js';
import { displayStatus, Post, type DisplayStatus } from './post.model.js';
import { publicPostsByIds, readModel } from './read-model-choice.js';
import type { ListScope } from './read-model.js';
import { CARD_FIELDS, authorsByIds, toAuthorView, toCards, type AuthorView, type CardSource, type PostCard } from './post-views.js';
import { findTag, tagRefs, type TagRef } from './tags.js';

export interface PostPage {
  posts: PostCard[];
  page: number;
  pageCount: number;
  total: number;
}

// The cards of public posts, as every list and search page shows them, by post id. Built from posts that
// were public when read and emptied by every write to a post (and every content change), so a card is
// never older than the last change made through Quire; each use still checks its time has come.
const cardMemos = new WeakMap<Storage, Lookup<PostCard>>();

function publicCardsOf(storage: Storage): Lookup<PostCard> {
  let memo = cardMemos.get(storage);
  if (!memo) {
    memo = memoByKey(async (ids) => {
      const cards = await toCards(await publicPostsByIds<CardSource>(ids, CARD_FIELDS), storage);
      return new Map(cards.map((card) => [card.id, card]));
    });
    cardMemos.set(storage, memo);
  }
  return memo;
}

/** The cards of these posts that are public at `now`, in the order given. */
async function publicCards(ids: Array<Types.ObjectId | string>, storage: Storage, now: Date): Promise<PostCard[]> {
  const keys = ids.map(String);
  const cards = await publicCardsOf(storage)(keys);
  return keys.map((id) => cards.get(id)).filter((card): card is PostCard => !!card?.publishedAt && card.publishedAt <= now);
}

/** Page `page` of a public list, or null when there is no such page. */
export async function publicPage(scope: ListScope, page: number, perPage: number, storage: Storage, now = new Date()): Promise<PostPage | null> {
  const slice = await readModel().page(scope, page, perPage, now);
  if (!slice) return null;
  return { posts: await publicCards(slice.ids, storage, now), page: slice.page, pageCount: slice.pageCount, total: slice.total };
}

export async function tagPage(slug: string, page: number, perPage: number, storage: Storage): Promise<{ tag: TagRef; list: PostPage } | null> {
  const tag = await findTag(slug);
  if (!tag) return null;
  const list = await publicPage({ kind: 'tag', slug: tag.slug }, page, perPage, storage);
  // A tag used only by drafts has no public page yet.
  return list && list.total > 0 ? { tag, list } : null;
}

export async function authorPage(username: string, page: number, perPage: number, storage: Storage): Promise<{ author: AuthorView; list: PostPage } | null> {
  const user = await User.findOne({ username: username.toLowerCase() }, 'username displayName avatarKey bio role').lean();
  if (!user) return null;
  const list = await publicPage({ kind: 'author', id: String(user._id) }, page, perPage, storage);
  if (!list) return null;
  // Readers have no author page unless they once published (a demoted author keeps theirs).
  if (user.role === 'reader' && list.total === 0) return null;
  return { author: toAuthorView(user), list };
}

export interface TagCount extends TagRef {
  count: number;
}

/** Every tag with public posts and how many, by name (A to Z) or by count (most first, then by name). */
export async function tagIndex(order: 'name' | 'count', now = new Date()): Promise<TagCount[]> {
  const { tags } = await readModel().publicCounts(now);
  const refs = await tagRefs(tags.keys());
  const byName = (a: TagCount, b: TagCount) => a.name.localeCompare(b.name, 'en', { sensitivity: 'base' }) || a.slug.localeCompare(b.slug);
  const list = [...tags].map(([slug, count]) => ({ ...(refs.get(slug) ?? { slug, name: slug }), count }));
  return list.sort(order === 'count' ? (a, b) => b.count - a.count || byName(a, b) : byName);
}

export interface AuthorCount extends AuthorView {
  count: number;
}

/** Every author with public posts (avatar, bio, how many), by display name. */
export async function authorIndex(now = new Date()): Promise<AuthorCount[]> {
  const { authors } = await readModel().publicCounts(now);
  const views = await authorsByIds(authors.keys());
  return [...authors]
    .flatMap(([id, count]) => {
      const view = views.get(id);
      // A deleted author's posts are reassigned; an id without a user is left out rather than shown as "unknown".
      return view ? [{ ...view, count }] : [];
    })
    .sort((a, b) => a.displayName.localeCompare(b.displayName, 'en', { sensitivity: 'base' }) || a.username.localeCompare(b.username));
}

export interface PostView extends PostCard {
  /**
   * The article's HTML, in an object kept with the post as read (as long as the read model keeps it), so the
   * page renders it as a fragment (views/posts/post.ejs): prepared once for the page cache, not per miss.
   */
  body: { readonly html: string };
  /** An absolute-ready path of the cover for og:image. */
  coverLargest: string | null;
  canEdit: boolean;
  newer: { url: string; title: string } | null;
  older: { url: string; title: string } | null;
}

export type PostLookup = { kind: 'post'; post: PostView } | { kind: 'moved'; slug: string } | null;

const POST_FIELDS = `${CARD_FIELDS} bodyHtml previousSlugs`;

/** The post at `slug` as `viewer` may see it, a redirect for an old slug, or null (404). */
export async function postForReader(slug: string, viewer: Actor | null, storage: Storage, now = new Date()): Promise<PostLookup> {
  const found = await postBySlug(slug);
  if (!found) return null;
  const { doc, moved } = found;
  const status = displayStatus(doc, now);
  const canEdit = can(viewer, 'post:edit', { ownerId: doc.author });
  if (status !== 'published' && !canEdit) return null;
  if (moved) return { kind: 'moved', slug: doc.slug };

  const [card] = await toCards([doc], storage, now);
  const [newer, older] = status === 'published' ? await neighbours(doc._id, now) : [null, null];
  return { kind: 'post', post: { ...card!, body: bodyOf(doc), coverLargest: card!.cover?.largest ?? null, canEdit, newer, older } };
}

type FullPost = CardSource & { bodyHtml: string; previousSlugs: string[] };

const bodies = new WeakMap<FullPost, { readonly html: string }>();

/** The body of a post as read, one object per read (see PostView.body). */
function bodyOf(doc: FullPost): { readonly html: string } {
  let body = bodies.get(doc);
  if (!body) bodies.set(doc, (body = { html: doc.bodyHtml }));
  return body;
}

/** Through the index when it knows the slug; from the database when the index may be behind. */
async function postBySlug(slug: string): Promise<{ doc: FullPost; moved: boolean } | null> {
  const match = await readModel().slug(slug);
  if (match === null) return null;
  if (match !== 'unknown') {
    const doc = (await readModel().post(match.id)) as FullPost | null;
    // The index can lag a write by a moment: trust the document, not the entry.
    if (doc && doc.slug === slug) return { doc, moved: false };
    if (doc && doc.previousSlugs.includes(slug)) return { doc, moved: true };
  }
  const current = await Post.findOne({ slug }, POST_FIELDS).lean<FullPost>();
  if (current) return { doc: current, moved: false };
  const old = await Post.findOne({ previousSlugs: slug }, POST_FIELDS).lean<FullPost>();
  return old ? { doc: old, moved: true } : null;
}

/** The next newer and next older public posts, for "read next" links. */
async function neighbours(postId: Types.ObjectId, now: Date) {
  const { newer, older } = await readModel().neighbours(postId, now);
  const [n, o] = await publicPostsByIds<CardSource>([newer, older].filter((id): id is string => id !== null), 'slug title', now).then((docs) => [
    docs.find((d) => newer && String(d._id) === String(newer)) ?? null,
    docs.find((d) => older && String(d._id) === String(older)) ?? null,
  ]);
  const link = (p: { slug: string; title: string } | null) => (p ? { url: `/posts/${p.slug}`, title: p.title } : null);
  return [link(n ?? null), link(o ?? null)] as const;
}

/** A post being written, shown as it would look (nothing is saved). */
export async function previewView(
  fields: { title: string; bodyHtml: string; excerpt: string; readingMinutes: number; tags: TagRef[]; coverMediaId: string | null; coverAlt: string },
  author: { id: string; status: DisplayStatus; publishedAt: Date | null },
  storage: Storage,
): Promise<PostView> {
  const [authors, covers] = await Promise.all([authorsByIds([author.id]), imagesByIds([fields.coverMediaId], storage)]);
  const cover: ImageView | undefined = fields.coverMediaId ? covers.get(fields.coverMediaId) : undefined;
  const authorView = authors.get(author.id);
  if (!authorView) throw new Error('preview author not found');
  return {
    id: '',
    slug: '',
    url: '',
    title: fields.title,
    excerpt: fields.excerpt,
    status: author.status,
    publishedAt: author.publishedAt,
    updatedAt: new Date(),
    readingMinutes: fields.readingMinutes,
    cover: cover ? { ...cover, alt: fields.coverAlt || cover.alt } : null,
    coverLargest: cover?.largest ?? null,
    author: authorView,
    tags: fields.tags,
    body: { html: fields.bodyHtml },
    canEdit: false,
    newer: null,
    older: null,
  };
}

export const SEARCH_MAX_LENGTH = 100;

/** Results counted and numbered up to this many; beyond, "more than" and keyset pages (`after`). */
export const SEARCH_COUNT_CAP = 1000;

export interface SearchResults {
  posts: PostCard[];
  /** Matches in all, up to SEARCH_COUNT_CAP (then `more` is true). */
  total: number;
  more: boolean;
  /** The numbered page shown (null on a keyset page past the numbered ones). */
  page: number | null;
  pageCount: number;
  /** Cursor for the keyset page after this one, when the numbered pages end before the results do. */
  next: string | null;
}

/**
 * Published posts whose title, tags or text contain `q` (case-insensitive, literally), newest first.
 * Matched in memory as a plain substring (search-index.ts): no input is ever a pattern. The first
 * SEARCH_COUNT_CAP matches are counted and served as numbered pages; deeper results, if any, as keyset
 * pages after the last numbered one (`after`), which cost the same at any depth. Null: no such page.
 * `meter` gets the milliseconds the searches themselves took (the router charges them: http/time-budget.ts).
 */
export async function searchPosts(
  q: string,
  at: { page: number; after?: string | undefined },
  perPage: number,
  storage: Storage,
  { now = new Date(), cap = SEARCH_COUNT_CAP, meter }: { now?: Date; cap?: number; meter?: WorkMeter } = {},
): Promise<SearchResults | null> {
  const counted = await readModel().search(q, null, cap + 1, now, meter);
  const more = counted.length > cap;
  const total = Math.min(counted.length, cap);
  const pageCount = Math.max(1, Math.ceil(total / perPage));
  const keyset = at.after ? parseCursor(at.after) : null;
  let ids: string[];
  if (keyset) ids = await readModel().search(q, keyset, perPage + 1, now, meter);
  else if (at.page > pageCount) return null;
  else ids = counted.slice((at.page - 1) * perPage, Math.min(at.page * perPage, total) + 1);
  const cards = await publicCards(ids, storage, now);
  const shown = cards.slice(0, perPage);
  const last = shown[shown.length - 1];
  // Past the numbered pages, the next page is the keyset page after the last result shown.
  const lastNumbered = !keyset && at.page === pageCount;
  const hasMore = keyset ? cards.length > perPage : lastNumbered && more;
  return { posts: shown, total, more, page: keyset ? null : at.page, pageCount, next: hasMore && last ? cursorOf(last.publishedAt, last.id) : null };
}
