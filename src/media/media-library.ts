// The library pages' view of images: cards with the uploader's name, human-readable size and the posts
// that use each image. A page of any length costs one query for media, one for owners, one for usage.
import mongoose from 'mongoose';
import { can, type Actor } from '../site/permissions.js';
import { toImageView, type ImageView } from './image-view.js';
import { contentUsing, uploadersByIds, usageSummary, type ContentRef } from './media-usage.js';
import { Media, type MediaDoc } from './media.model.js';
import { findManageable, markdownFor } from './media.service.js';
import type { Storage } from './storage.js';

export const LIBRARY_PAGE_SIZE = 24;

export interface MediaCard {
  id: string;
  url: string;
  filename: string;
  alt: string;
  format: string;
  width: number;
  height: number;
  bytes: number;
  size: string;
  createdAt: Date;
  owner: { id: string; displayName: string; username: string };
  image: ImageView;
  usedIn: ContentRef[];
  /** "2 posts and 1 page" ('' when unused). */
  usedInLabel: string;
}

export interface MediaDetail extends MediaCard {
  markdown: string;
  original: { url: string; bytes: number; size: string };
  variants: Array<{ width: number; height: number; url: string; bytes: number; size: string }>;
}

export interface LibraryPage {
  items: MediaCard[];
  /** Whether this actor sees everyone's images (editors, admins) or only their own. */
  everyone: boolean;
  /** The `before` cursor for the next (older) page, if any. */
  olderCursor: string | null;
  isFirstPage: boolean;
}

/** `1.4 MB`, `820 KB`, `512 B`. */
export function humanSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

const CARD_FIELDS = 'owner filename alt format width height bytes originalKey variants createdAt';

/**
 * One page of the library, newest first: the actor's own images (authors) or everyone's (editors, admins).
 * Keyset pagination on _id (`before` = the last id of the previous page), so every page costs the same.
 */
export async function listMedia(actor: Actor, storage: Storage, { before }: { before?: string | undefined } = {}): Promise<LibraryPage> {
  const everyone = can(actor, 'media:manage', { ownerId: null });
  const filter: Record<string, unknown> = everyone ? {} : { owner: actor.id };
  if (before && mongoose.isValidObjectId(before)) filter._id = mongoose.trusted({ $lt: new mongoose.Types.ObjectId(before) });
  const docs = await Media.find(filter, CARD_FIELDS)
    .sort({ _id: -1 })
    .limit(LIBRARY_PAGE_SIZE + 1)
    .lean<MediaDoc[]>();
  const page = docs.slice(0, LIBRARY_PAGE_SIZE);
  const items = await toCards(page, storage);
  return {
    items,
    everyone,
    olderCursor: docs.length > LIBRARY_PAGE_SIZE ? String(page[page.length - 1]!._id) : null,
    isFirstPage: !before,
  };
}

/** One image with its stored files, for the details page (404/403 as findManageable). */
export async function getMediaDetail(actor: Actor, id: string, storage: Storage): Promise<MediaDetail> {
  const media = await findManageable(actor, id);
  const [card] = await toCards([media], storage);
  return {
    ...card!,
    markdown: markdownFor(media.alt, card!.image),
    original: { url: storage.url(media.originalKey), bytes: media.bytes, size: humanSize(media.bytes) },
    variants: [...media.variants]
      .sort((a, b) => a.width - b.width)
      .map((v) => ({ width: v.width, height: v.height, url: storage.url(v.key), bytes: v.bytes, size: humanSize(v.bytes) })),
  };
}

async function toCards(docs: MediaDoc[], storage: Storage): Promise<MediaCard[]> {
  const ownerIds = [...new Set(docs.map((d) => String(d.owner)))];
  const [ownerById, usage] = await Promise.all([
    ownerIds.length > 0 ? uploadersByIds(ownerIds) : Promise.resolve(new Map()),
    contentUsing(docs.map((d) => d._id)),
  ]);
  return docs.map((d) => {
    const owner = ownerById.get(String(d.owner));
    return {
      id: String(d._id),
      url: `/media/${String(d._id)}`,
      filename: d.filename,
      alt: d.alt,
      format: d.format,
      width: d.width,
      height: d.height,
      bytes: d.bytes,
      size: humanSize(d.bytes),
      createdAt: (d as MediaDoc & { createdAt: Date }).createdAt,
      owner: { id: String(d.owner), displayName: owner?.displayName ?? 'Deleted user', username: owner?.username ?? '' },
      image: toImageView(d, (key) => storage.url(key)),
      usedIn: usage.get(String(d._id)) ?? [],
      usedInLabel: usageSummary(usage.get(String(d._id)) ?? []),
    };
  });
}
