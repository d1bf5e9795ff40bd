// Media decisions: who may see and change which images, uploading (every file re-encoded, stored under
// a random 128-bit folder name kept on the record) and deleting (record and every variant), and image
// views for pages.
//
// Why random names: files are served to anyone who has their URL, and an image in a draft must stay
// private until a post shows it. Names made from ObjectIds (sequential, partly a timestamp) could be
// enumerated; 128 random bits cannot, so the URL itself is the capability.
//
// Consistency without transactions: an upload writes its files first and the record last, removing the
// files if anything fails, so there is never a record without files nor files without a record. A delete
// removes the record first, then the files: should the file removal fail, what is left is unreachable
// bytes under one prefix, never a record pointing at missing files.
import { randomBytes } from 'node:crypto';
import mongoose, { Types } from 'mongoose';
import { recordAudit } from '../site/audit.service.js';
import { can, type Actor, type NamedActor } from '../site/permissions.js';
import { memoByKey } from '../http/content-memo.js';
import { Forbidden, NotFound } from '../http/errors.js';
import { processImage, type ProbeOptions } from './image-pipeline.js';
import { toImageView, type ImageView } from './image-view.js';
import { contentUsing, detachFromContent, type ContentRef } from './media-usage.js';
import { Media, type MediaDoc } from './media.model.js';
import type { Storage } from './storage.js';

export interface PickerItem {
  id: string;
  filename: string;
  alt: string;
  width: number;
  height: number;
  thumbUrl: string;
  /** Markdown that shows this image in a post body. */
  markdown: string;
}

const PICKER_LIMIT = 60;

/** Images an author may choose from in the post editor: their own (editors and admins: everyone's), newest first. */
export async function listPickerMedia(actor: Actor, storage: Storage): Promise<PickerItem[]> {
  const filter = can(actor, 'media:manage', { ownerId: null }) ? {} : { owner: actor.id };
  const docs = await Media.find(filter, 'filename alt width height variants originalKey')
    .sort({ createdAt: -1 })
    .limit(PICKER_LIMIT)
    .lean();
  return docs.map((m) => {
    const view = toImageView(m, (key) => storage.url(key));
    const small = [...m.variants].sort((a, b) => a.width - b.width)[0];
    return {
      id: String(m._id),
      filename: m.filename,
      alt: m.alt,
      width: m.width,
      height: m.height,
      thumbUrl: small ? storage.url(small.key) : view.src,
      markdown: markdownFor(m.alt, view),
    };
  });
}

/** Markdown that shows an image in a post body (brackets in the alt text would end it early). */
export function markdownFor(alt: string, view: Pick<ImageView, 'largest'>): string {
  return `![${alt.replace(/[[\]]/g, '')}](${view.largest})`;
}

// Covers repeat on every list page; every write to a media record is announced, which empties this.
const coverFields = memoByKey(async (ids) => {
  const docs = await Media.find({ _id: mongoose.trusted({ $in: ids }) }, 'alt width height variants originalKey').lean();
  return new Map(docs.map((m) => [String(m._id), m]));
});

/** Image views for a set of media ids, in at most one query (for lists of posts with covers). */
export async function imagesByIds(ids: Iterable<unknown>, storage: Storage): Promise<Map<string, ImageView>> {
  const unique = [...new Set([...ids].filter(Boolean).map(String))].filter((id) => mongoose.isValidObjectId(id));
  if (unique.length === 0) return new Map();
  const docs = await coverFields(unique);
  return new Map([...docs].map(([id, m]) => [id, toImageView(m, (key) => storage.url(key))]));
}

/** A new storage folder name: 128 random bits as 32 hex digits (safe in any storage key and URL). */
export function newStorageKey(): string {
  return randomBytes(16).toString('hex');
}

export const STORAGE_KEY_PATTERN = /^[a-f0-9]{32}$/;

/**
 * Storage prefix of everything one image has: `media/<storageKey>` (`media/<id>` for a record that
 * migration 0003 has not moved yet).
 */
export function mediaPrefix(media: { _id: Types.ObjectId | string; storageKey?: string | null | undefined }): string {
  return `media/${media.storageKey ?? String(media._id)}`;
}

/** What a post body needs to show these images at their size (ids, dimensions, files), keyed by storage key. */
export async function bodyImagesByStorageKeys(keys: Iterable<string>): Promise<Map<string, BodyImage>> {
  const wanted = [...new Set(keys)].filter((k) => STORAGE_KEY_PATTERN.test(k));
  if (wanted.length === 0) return new Map();
  const docs = await Media.find({ storageKey: mongoose.trusted({ $in: wanted }) }, 'storageKey width height originalKey variants').lean();
  return new Map(
    docs.map((d) => [d.storageKey!, { id: d._id, width: d.width, height: d.height, originalKey: d.originalKey, variants: d.variants.map((v) => ({ width: v.width, key: v.key })) }]),
  );
}

export interface BodyImage {
  id: Types.ObjectId;
  width: number;
  height: number;
  originalKey: string;
  variants: Array<{ width: number; key: string }>;
}

const FILENAME_MAX = 120;

/**
 * The uploader's file name, cleaned for display: the last path segment only (either slash), no NUL,
 * control or bidirectional-override characters, bounded. It is never used to build a storage key.
 */
export function displayFilename(original: string | undefined): string {
  const lastSegment = (original ?? '').normalize('NFC').split(/[/\\]/).pop() ?? '';
  const cleaned = lastSegment
    // eslint-disable-next-line no-control-regex -- control characters are exactly what is removed
    .replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, '')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^\.+/, '');
  return [...cleaned].slice(0, FILENAME_MAX).join('') || 'image';
}

export interface UploadInput {
  buffer: Buffer;
  originalname?: string;
}

/**
 * Probes and re-encodes an upload, stores the original and its WebP variants, then records it. Throws
 * UnsupportedMediaType (415) or PayloadTooLarge (413) from the pipeline; on any failure nothing remains.
 */
export async function uploadMedia(
  actor: Actor,
  file: UploadInput,
  alt: string,
  storage: Storage,
  options: ProbeOptions = {},
): Promise<MediaDoc> {
  if (!can(actor, 'media:upload')) throw new Forbidden();
  const image = await processImage(file.buffer, options);

  const id = new Types.ObjectId();
  const storageKey = newStorageKey();
  const prefix = mediaPrefix({ _id: id, storageKey });
  const originalKey = `${prefix}/original.${image.extension}`;
  try {
    await storage.put(originalKey, image.original.data, image.contentType);
    const variants = [];
    for (const v of image.variants) {
      const key = `${prefix}/${v.width}.webp`;
      await storage.put(key, v.data, 'image/webp');
      variants.push({ width: v.width, height: v.height, key, bytes: v.bytes });
    }
    const doc = await Media.create({
      _id: id,
      owner: actor.id,
      storageKey,
      filename: displayFilename(file.originalname),
      alt,
      format: image.format,
      width: image.original.width,
      height: image.original.height,
      bytes: image.original.bytes,
      originalKey,
      variants,
    });
    return doc.toObject() as MediaDoc;
  } catch (err) {
    try {
      await storage.deletePrefix(prefix);
    } catch (cleanupError) {
      throw new AggregateError([err, cleanupError], `Upload failed and its files under ${prefix} could not be removed`);
    }
    throw err;
  }
}

/** An image the actor may manage (own for authors, any for editors and admins): 404 if absent, 403 if not theirs. */
export async function findManageable(actor: Actor, id: string): Promise<MediaDoc> {
  if (!mongoose.isValidObjectId(id)) throw new NotFound();
  const media = await Media.findById(id).lean<MediaDoc>();
  if (!media) throw new NotFound();
  if (!can(actor, 'media:manage', { ownerId: media.owner })) throw new Forbidden();
  return media;
}

export async function updateAlt(actor: Actor, id: string, alt: string): Promise<void> {
  const media = await findManageable(actor, id);
  await Media.updateOne({ _id: media._id }, { $set: { alt } }, { runValidators: true });
}

export type DeleteOutcome = { deleted: true; filename: string } | { deleted: false; usedIn: ContentRef[]; media: MediaDoc };

/**
 * Deletes an image with every stored variant. An image that posts or pages use is only deleted when
 * `confirmed`; otherwise the outcome lists them and nothing changes. Posts that had it as cover lose it.
 */
export async function deleteMedia(
  actor: NamedActor,
  id: string,
  storage: Storage,
  { confirmed, ip }: { confirmed: boolean; ip?: string | undefined },
): Promise<DeleteOutcome> {
  const media = await findManageable(actor, id);
  const usedIn = (await contentUsing([media._id])).get(String(media._id)) ?? [];
  if (usedIn.length > 0 && !confirmed) return { deleted: false, usedIn, media };

  const removed = await Media.deleteOne({ _id: media._id });
  if (removed.deletedCount === 0) throw new NotFound();
  await storage.deletePrefix(mediaPrefix(media));
  if (usedIn.length > 0) await detachFromContent(media._id);
  await recordAudit({
    actor: { id: actor.id, displayName: actor.displayName },
    action: 'media.delete',
    target: { type: 'media', id: String(media._id), label: media.filename },
    detail: usedIn.length > 0 ? `Was used in: ${usedIn.map((p) => p.title).join(', ')}` : undefined,
    ip,
  });
  return { deleted: true, filename: media.filename };
}
