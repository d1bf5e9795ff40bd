// Writing posts: create, edit (with optimistic concurrency and revisions), publish, unpublish, delete.
// Every function checks `can()` itself, so the authoring pages, the admin pages and scripts share the
// same rules. Every write is announced by the Post model itself (src/db/announce-writes.ts), so cached
// pages and the reading indexes are rebuilt whoever writes; and each says which surrogate keys it changed
// (post-surrogate-keys.ts), from the post before and after, so that a CDN purges only those pages.
import mongoose, { type Types } from 'mongoose';
import { recordAudit, type RequestMeta } from '../site/audit.service.js';
import { can, type NamedActor } from '../site/permissions.js';
import { isDuplicateKey } from '../db/duplicate-key.js';
import { Conflict, Forbidden, invalidField, NotFound } from '../http/errors.js';
import { Media } from '../media/media.model.js';
import { postComments } from './post-comments.js';
import { displayStatus, Post, type PostDoc } from './post.model.js';
import { freeSlug, releasePreviousSlug, renderBody, resolvePublication, slugProblem, type Intent } from './post-content.js';
import { withPostLock } from './post-lock.js';
import { readModel } from './read-model-choice.js';
import { postChangeKeys } from './post-surrogate-keys.js';
import { purgeKeys } from '../site/cdn-purge.js';
import { slugify } from './slugs.js';
import { deleteRevisions, findRevision, recordRevision } from './revisions.service.js';
import { rememberTags, tagRefs, type TagRef } from './tags.js';

export interface PostInput {
  title: string;
  /** '' keeps the current slug (a new post gets one from its title). */
  slug: string;
  bodyMarkdown: string;
  /** '' means "take it from the body". */
  excerpt: string;
  tags: TagRef[];
  coverMediaId: string | null;
  coverAlt: string;
  intent: Intent;
  publishAt: Date | null;
  /** Whether readers may comment; absent keeps the post's current setting (on for a new post). */
  commentsEnabled?: boolean;
}

export type PostRecord = PostDoc;

const SLUG_ATTEMPTS = 20;

/**
 * The post whose current slug is `slug`: its id from the read model (on the embedded engine a lookup in
 * memory, where a filter on `slug` decodes every post: minutes at 100,000 posts on a busy machine), then
 * the post read by `_id`. The database has the last word: when the model does not know the slug, may be
 * behind, or names a post that no longer has it, the slug is looked up in the database as before.
 */
async function postBySlug(slug: string): Promise<PostRecord | null> {
  const match = await readModel().slug(slug);
  if (match && match !== 'unknown' && !match.moved) {
    const post = await Post.findById(match.id).lean<PostRecord>();
    if (post?.slug === slug) return post;
  }
  return Post.findOne({ slug }).lean<PostRecord>();
}

/** The post with this slug, if the actor may edit it (404 when there is none, 403 when it is not theirs). */
export async function editablePost(actor: NamedActor, slug: string): Promise<PostRecord> {
  const post = await postBySlug(slug);
  if (!post) throw new NotFound();
  assertMayEdit(actor, post);
  return post;
}

/** The same, by id (for pages that address posts by id, like /admin/posts). */
export async function editablePostById(actor: NamedActor, postId: string | Types.ObjectId): Promise<PostRecord> {
  if (!mongoose.isValidObjectId(postId)) throw new NotFound();
  const post = await Post.findById(postId).lean<PostRecord>();
  if (!post) throw new NotFound();
  assertMayEdit(actor, post);
  return post;
}

function assertMayEdit(actor: NamedActor, post: Pick<PostRecord, 'author'>): void {
  if (!can(actor, 'post:edit', { ownerId: post.author })) throw new Forbidden('You can only change your own posts.');
}

export async function createPost(actor: NamedActor, input: PostInput, meta: RequestMeta = {}): Promise<PostRecord> {
  if (!can(actor, 'post:create')) throw new Forbidden();
  const cover = await checkCover(actor, input, null);
  const publication = resolvePublication(null, input.intent, input.publishAt);
  if (input.slug) {
    const problem = await slugProblem(input.slug, null);
    if (problem) throw invalidField('slug', problem);
  }
  const body = await renderBody(input.bodyMarkdown, input.excerpt);
  const fields = {
    title: input.title,
    bodyMarkdown: input.bodyMarkdown,
    ...body,
    ...cover,
    tags: input.tags.map((t) => t.slug),
    author: actor.id,
    ...publication,
    lastEditor: actor.id,
    lastEditorName: actor.displayName,
    commentsEnabled: input.commentsEnabled ?? true,
  };
  let created: PostRecord | undefined;
  // Posts with the same title saved at once may pick the same free slug: the unique index decides, and
  // an automatic slug is picked again until it is accepted (freeSlug spreads the retries, then turns
  // random). Only an explicit slug that is taken is the author's to change (422). The bound only stops a
  // loop should the index refuse for some other reason.
  for (let attempt = 1; !created; attempt++) {
    const slug = input.slug || (await freeSlug(input.title, attempt));
    try {
      created = (await Post.create({ ...fields, slug })).toObject() as PostRecord;
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      if (input.slug) throw invalidField('slug', 'Another post already uses this slug.');
      if (attempt >= SLUG_ATTEMPTS) throw err;
    }
  }
  await releasePreviousSlug(created.slug, created._id);
  await rememberTags(input.tags);
  if (created.status === 'published') await auditPublication(actor, created, 'post.publish', meta);
  purgeKeys(postChangeKeys(null, created));
  return created;
}

/**
 * Saves an edit made on the version `loadedVersion`. If the post changed since (someone else saved),
 * nothing is written and Conflict (409) carries both versions.
 */
export async function updatePost(actor: NamedActor, slug: string, loadedVersion: number, input: PostInput, meta: RequestMeta = {}, options: SaveOptions = {}): Promise<PostRecord> {
  // An editor opened before someone else changed the slug still posts to the old address: found by its
  // old slug, the save meets the version guard (409 with both versions) instead of a 404 that loses it.
  const found = await editablePost(actor, slug).catch(async (err: unknown) => {
    if (!(err instanceof NotFound)) throw err;
    const renamed = await Post.findOne({ previousSlugs: slug }).lean<PostRecord>();
    if (!renamed) throw err;
    assertMayEdit(actor, renamed);
    return renamed;
  });
  return withPostLock(found._id, () => saveEdit(actor, found._id, loadedVersion, input, meta, options));
}

export interface SaveOptions {
  /** The editor's autosave: drafts only, status kept, revisions coalesced (revisions.service.ts). */
  autosave?: boolean;
}

/**
 * An autosaved draft whose slug field was left empty (a new post's page, still open) follows its title:
 * the first autosave may come before the title is finished ("Untitled", "My fir"). A slug that already
 * comes from this title is kept.
 */
async function draftSlug(current: PostRecord, title: string): Promise<string> {
  const base = slugify(title) || 'post';
  if (current.title === title || new RegExp(`^${base}(?:-\\d+)?$`).test(current.slug)) return current.slug;
  return freeSlug(title);
}

export const AUTOSAVE_DRAFTS_ONLY = 'Autosave keeps drafts only: a published or scheduled post changes when you press Update or Save.';

async function saveEdit(actor: NamedActor, postId: Types.ObjectId, loadedVersion: number, input: PostInput, meta: RequestMeta, options: SaveOptions = {}): Promise<PostRecord> {
  const current = await Post.findById(postId).lean<PostRecord>();
  if (!current) throw new NotFound();
  if (current.version !== loadedVersion) throw await conflict(current, input);
  // Half-typed sentences must never go live: a post readers can see (or will at its scheduled time) is
  // only changed by an explicit save.
  if (options.autosave && (current.status !== 'draft' || input.intent !== 'save')) throw invalidField('body', AUTOSAVE_DRAFTS_ONLY);

  const newSlug = input.slug || (options.autosave ? await draftSlug(current, input.title) : current.slug);
  if (newSlug !== current.slug) {
    const problem = await slugProblem(newSlug, current._id);
    if (problem) throw invalidField('slug', problem);
  }
  const cover = await checkCover(actor, input, current);
  const publication = resolvePublication(current, input.intent, input.publishAt);
  const body = await renderBody(input.bodyMarkdown, input.excerpt);
  const set = {
    title: input.title,
    slug: newSlug,
    previousSlugs: newSlug === current.slug ? current.previousSlugs : [...current.previousSlugs.filter((s) => s !== newSlug), current.slug],
    bodyMarkdown: input.bodyMarkdown,
    ...body,
    ...cover,
    tags: input.tags.map((t) => t.slug),
    ...publication,
    lastEditor: actor.id,
    lastEditorName: actor.displayName,
    ...(input.commentsEnabled === undefined ? {} : { commentsEnabled: input.commentsEnabled }),
  };

  let saved: PostRecord | null;
  try {
    // The version in the filter makes check-and-write one atomic step: of two saves from the same
    // loaded version, exactly one matches. A draft's save also requires `status: 'draft'` (which the
    // version already implies): that condition is what lets the Post model announce a save that keeps
    // it a draft as private, so cached public pages stay (src/db/announce-writes.ts, `privateWhile`).
    saved = await Post.findOneAndUpdate(
      { _id: current._id, version: loadedVersion, ...(current.status === 'draft' ? { status: 'draft' as const } : {}) },
      { $set: set, ...(cover.coverMediaId ? {} : { $unset: { coverMediaId: 1 } }), $inc: { version: 1 } },
      { returnDocument: 'after', runValidators: true },
    ).lean<PostRecord>();
  } catch (err) {
    if (isDuplicateKey(err)) throw invalidField('slug', 'Another post already uses this slug.');
    throw err;
  }
  if (!saved) {
    const latest = await Post.findById(current._id).lean<PostRecord>();
    if (!latest) throw new NotFound();
    throw await conflict(latest, input);
  }

  if (newSlug !== current.slug) await releasePreviousSlug(newSlug, current._id);
  if (current.title !== saved.title || current.bodyMarkdown !== saved.bodyMarkdown) await recordRevision(current, options.autosave ? { autosaveBy: actor.id } : {});
  await rememberTags(input.tags);
  await auditTransition(actor, current, saved, meta);
  purgeKeys(postChangeKeys(current, saved));
  return saved;
}

/**
 * The 409: nothing was written, and the page shows every field of both versions (theirs: what is saved
 * now; mine: everything the author sent), so that no typed word is lost (views/posts/conflict.ejs).
 */
async function conflict(latest: PostRecord, input: PostInput): Promise<Conflict> {
  const names = await tagRefs(latest.tags);
  const scheduled = displayStatus(latest) === 'scheduled' && latest.publishedAt;
  return new Conflict('This post was changed by someone else after you opened it. Nothing was saved.', {
    slug: latest.slug,
    mine: {
      title: input.title,
      slug: input.slug || latest.slug,
      bodyMarkdown: input.bodyMarkdown,
      excerpt: input.excerpt,
      tags: input.tags.map((t) => t.name).join(', '),
      coverMediaId: input.coverMediaId ?? '',
      coverAlt: input.coverAlt,
      publishAt: input.publishAt ? input.publishAt.toISOString() : '',
      intent: input.intent,
      commentsEnabled: input.commentsEnabled ?? latest.commentsEnabled !== false,
    },
    theirs: {
      title: latest.title,
      slug: latest.slug,
      bodyMarkdown: latest.bodyMarkdown,
      excerpt: latest.customExcerpt ? latest.excerpt : '',
      tags: latest.tags.map((t) => names.get(t)?.name ?? t).join(', '),
      coverMediaId: latest.coverMediaId ? String(latest.coverMediaId) : '',
      coverAlt: latest.coverMediaId ? latest.coverAlt : '',
      publishAt: scheduled ? latest.publishedAt!.toISOString() : '',
      status: displayStatus(latest),
      version: latest.version,
      updatedAt: latest.updatedAt,
      editorName: latest.lastEditorName,
    },
  });
}

/** Saves an earlier version's title and body as a new edit (which itself keeps a revision of what it replaces). */
export async function restoreRevision(actor: NamedActor, slug: string, revisionId: string, loadedVersion: number, meta: RequestMeta = {}): Promise<PostRecord> {
  const current = await editablePost(actor, slug);
  const revision = await findRevision(current._id, revisionId);
  if (!revision) throw new NotFound('That revision no longer exists.');
  const tags = await tagRefs(current.tags);
  return updatePost(
    actor,
    slug,
    loadedVersion,
    {
      title: revision.title,
      slug: current.slug,
      bodyMarkdown: revision.bodyMarkdown,
      excerpt: current.customExcerpt ? current.excerpt : '',
      tags: current.tags.map((t) => tags.get(t) ?? { slug: t, name: t }),
      coverMediaId: current.coverMediaId ? String(current.coverMediaId) : null,
      coverAlt: current.coverAlt,
      intent: 'save',
      publishAt: null,
    },
    meta,
  );
}

/** Publishes now (draft or scheduled) or takes back to draft; the same rules as the editor's buttons. */
export async function setPublished(actor: NamedActor, postId: string | Types.ObjectId, publish: boolean, meta: RequestMeta = {}): Promise<PostRecord> {
  return withPostLock(postId, async () => {
    const current = await editablePostById(actor, postId);
    const publication = resolvePublication(current, publish ? 'publish' : 'draft', null);
    const saved = await Post.findOneAndUpdate({ _id: current._id }, { $set: publication, $inc: { version: 1 } }, { returnDocument: 'after' }).lean<PostRecord>();
    if (!saved) throw new NotFound();
    await auditTransition(actor, current, saved, meta);
    purgeKeys(postChangeKeys(current, saved));
    return saved;
  });
}

export async function deletePost(actor: NamedActor, postId: string | Types.ObjectId, meta: RequestMeta = {}): Promise<void> {
  await withPostLock(postId, async () => {
    const post = await editablePostById(actor, postId);
    await Post.deleteOne({ _id: post._id });
    await deleteRevisions(post._id);
    await postComments().postDeleted(post._id);
    await recordAudit({ actor: auditActor(actor), action: 'post.delete', target: postTarget(post), detail: `was ${displayStatus(post)}`, ip: meta.ip });
    purgeKeys(postChangeKeys(post, null));
  });
}

/**
 * The cover for a save: a library image the actor may use (their own; editors and admins any), with alt
 * text (the image's own alt when the field is left empty). Keeping the cover a post already has is always
 * allowed, so an author can edit a post an editor gave a cover from the shared library.
 */
async function checkCover(actor: NamedActor, input: PostInput, current: PostRecord | null): Promise<{ coverMediaId?: Types.ObjectId; coverAlt: string }> {
  if (!input.coverMediaId) return { coverAlt: '' };
  const media = await usableCover(actor, input.coverMediaId, current);
  const coverAlt = input.coverAlt || media.alt;
  if (!coverAlt) throw invalidField('coverAlt', 'Describe the cover image for people who cannot see it.');
  return { coverMediaId: media._id, coverAlt };
}

/**
 * The one ownership rule for covers, shared by saving and preview (so preview cannot be used to show,
 * and learn the file names of, another user's images): a library image the actor may manage, or the
 * cover `current` already has. Throws 422 on the cover field otherwise.
 */
export async function usableCover(
  actor: NamedActor,
  coverMediaId: string,
  current: Pick<PostRecord, 'coverMediaId'> | null,
): Promise<{ _id: Types.ObjectId; alt: string }> {
  const media = mongoose.isValidObjectId(coverMediaId) ? await Media.findById(coverMediaId, 'owner alt').lean() : null;
  if (!media) throw invalidField('coverMediaId', 'That image is no longer in the media library.');
  const unchanged = current?.coverMediaId && String(current.coverMediaId) === String(media._id);
  if (!unchanged && !can(actor, 'media:manage', { ownerId: media.owner })) throw invalidField('coverMediaId', 'Choose one of your own images.');
  return { _id: media._id, alt: media.alt };
}

function auditActor(actor: NamedActor) {
  return { id: actor.id, displayName: actor.displayName };
}

function postTarget(post: Pick<PostRecord, '_id' | 'title'>) {
  return { type: 'post', id: String(post._id), label: post.title };
}

async function auditPublication(actor: NamedActor, post: PostRecord, action: 'post.publish' | 'post.unpublish', meta: RequestMeta): Promise<void> {
  const scheduled = displayStatus(post) === 'scheduled';
  const detail = action === 'post.publish' && scheduled && post.publishedAt ? `scheduled for ${post.publishedAt.toISOString()}` : undefined;
  await recordAudit({ actor: auditActor(actor), action, target: postTarget(post), detail, ip: meta.ip });
}

/** Publishing (or scheduling, or moving a schedule) and unpublishing are audited; content edits are not. */
async function auditTransition(actor: NamedActor, before: PostRecord, after: PostRecord, meta: RequestMeta): Promise<void> {
  if (after.status === 'published' && (before.status !== 'published' || before.publishedAt?.getTime() !== after.publishedAt?.getTime())) {
    await auditPublication(actor, after, 'post.publish', meta);
  } else if (after.status === 'draft' && before.status === 'published') {
    await auditPublication(actor, after, 'post.unpublish', meta);
  }
}
