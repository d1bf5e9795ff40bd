import type mongoose from 'mongoose';
import type { Types } from 'mongoose';
import { CONTENT_TYPES, type ImageFormat } from '../../media/image-pipeline.js';
import { newStorageKey } from '../../media/media.service.js';
import type { Storage } from '../../media/storage.js';
import { escapeRegExp } from '../../db/literal-pattern.js';
import type { Migration } from '../migrate.js';

// Images uploaded before this migration live under `media/<ObjectId>/`, and ObjectIds are sequential:
// anyone could walk the ids and fetch images that only drafts use. This gives each such record a random
// 128-bit storage key, copies its files to `media/<key>/`, points the posts and revisions that show them
// at the new URLs, and only then removes the old files.
//
// Resumable and idempotent without transactions: each step is safe to repeat, and the record says how
// far it got. The key is stored first (a rerun reuses it); files are copied (a rerun copies again); the
// record's keys switch over together with `legacyPrefix`, the folder still to delete; that folder is
// removed and `legacyPrefix` unset last. A record that is done has a storageKey and no legacyPrefix.
export const unguessableMediaKeys: Migration = {
  name: '0003-unguessable-media-keys',
  description: 'move every image to a random, unguessable storage name',
  async up(db, { storage, logger }) {
    const media = db.collection('media');
    const pending = await media
      .find({ $or: [{ storageKey: { $exists: false } }, { legacyPrefix: { $exists: true } }] }, { projection: { _id: 1 } })
      .toArray();
    if (pending.length === 0) return;
    if (!storage) throw new Error('Migration 0003 needs the media storage to move image files');
    for (const { _id } of pending) await moveOne(_id as Types.ObjectId, { media, posts: db.collection('posts'), revisions: db.collection('post_revisions') }, storage);
    logger?.info(`Moved ${pending.length} image(s) to unguessable storage names`);
  },
};

type RawCollection = ReturnType<mongoose.Connection['collection']>;

interface Collections {
  media: RawCollection;
  posts: RawCollection;
  revisions: RawCollection;
}

interface StoredVariant {
  width: number;
  height: number;
  key: string;
  bytes: number;
}

async function moveOne(id: Types.ObjectId, { media, posts, revisions }: Collections, storage: Storage): Promise<void> {
  // 1. A random key, stored before any file moves, so an interrupted run resumes with the same one.
  await media.updateOne({ _id: id, storageKey: { $exists: false } }, { $set: { storageKey: newStorageKey() } });
  let doc = await media.findOne({ _id: id });
  if (!doc) return;
  const oldPrefix = `media/${String(id)}`;
  const newPrefix = `media/${doc.storageKey as string}`;

  if (String(doc.originalKey).startsWith(`${oldPrefix}/`)) {
    const moved = (key: string) => `${newPrefix}${key.slice(oldPrefix.length)}`;
    const variants = (doc.variants ?? []) as StoredVariant[];
    // 2. Copy every file (a copy that already happened is simply made again).
    await copy(storage, doc.originalKey as string, moved(doc.originalKey as string), CONTENT_TYPES[doc.format as ImageFormat] ?? 'application/octet-stream');
    for (const v of variants) await copy(storage, v.key, moved(v.key), 'image/webp');

    // 3. Bodies that show the image use its URL: point them at the new one. The URL prefix comes from
    // the storage itself (local `/uploads/...` or a CDN address), so only image URLs are rewritten.
    const oldUrl = urlPrefix(storage, oldPrefix);
    const newUrl = urlPrefix(storage, newPrefix);
    const pattern = new RegExp(escapeRegExp(oldUrl), 'g');
    const rewrite = (text: unknown) => (typeof text === 'string' ? text.replace(pattern, newUrl) : text);
    const uses = { $regex: escapeRegExp(oldUrl) };
    for (const post of await posts.find({ $or: [{ bodyMarkdown: uses }, { bodyHtml: uses }] }, { projection: { bodyMarkdown: 1, bodyHtml: 1 } }).toArray()) {
      await posts.updateOne({ _id: post._id }, { $set: { bodyMarkdown: rewrite(post.bodyMarkdown), bodyHtml: rewrite(post.bodyHtml) } });
    }
    for (const revision of await revisions.find({ bodyMarkdown: uses }, { projection: { bodyMarkdown: 1 } }).toArray()) {
      await revisions.updateOne({ _id: revision._id }, { $set: { bodyMarkdown: rewrite(revision.bodyMarkdown) } });
    }

    // 4. The record switches to the new files, remembering the old folder until it is gone.
    await media.updateOne(
      { _id: id },
      { $set: { originalKey: moved(doc.originalKey as string), variants: variants.map((v) => ({ ...v, key: moved(v.key) })), legacyPrefix: oldPrefix } },
    );
    doc = await media.findOne({ _id: id });
  }

  // 5. The old files go last.
  if (doc?.legacyPrefix) {
    await storage.deletePrefix(doc.legacyPrefix as string);
    await media.updateOne({ _id: id }, { $unset: { legacyPrefix: 1 } });
  }
}

async function copy(storage: Storage, from: string, to: string, contentType: string): Promise<void> {
  let data: Buffer;
  try {
    data = await storage.get(from);
  } catch (err) {
    // Already moved by an interrupted run whose record update did not happen: the copy is there.
    if (await storage.get(to).then(() => true, () => false)) return;
    throw err;
  }
  await storage.put(to, data, contentType);
}

/** The public URL of everything under `prefix`, ending in a slash. */
function urlPrefix(storage: Storage, prefix: string): string {
  const sample = storage.url(`${prefix}/x`);
  return sample.slice(0, -1);
}
