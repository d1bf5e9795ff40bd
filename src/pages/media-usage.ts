// Which pages show which images (Page.mediaIds, kept by the pages service on every save, as posts keep
// theirs): the media domain asks through its declared interface (src/media/media-usage.ts), src/wiring.ts
// provides these beside the posts' own.
import mongoose, { type Types } from 'mongoose';
import type { ContentRef } from '../media/media-usage.js';
import { Page } from './page.model.js';

/** Pages using each of these images, keyed by media id (images in no page are absent). */
export async function pagesUsing(mediaIds: Iterable<Types.ObjectId | string>): Promise<Map<string, ContentRef[]>> {
  const ids = [...new Set([...mediaIds].map(String))].filter((id) => mongoose.isValidObjectId(id));
  const usage = new Map<string, ContentRef[]>();
  if (ids.length === 0) return usage;
  const pages = await Page.find({ mediaIds: mongoose.trusted({ $in: ids }) }, 'title slug mediaIds').sort({ updatedAt: -1 }).lean();
  const wanted = new Set(ids);
  for (const page of pages) {
    for (const id of new Set(page.mediaIds.map(String))) {
      if (!wanted.has(id)) continue;
      const ref: ContentRef = { kind: 'page', id: String(page._id), title: page.title, slug: page.slug, editUrl: `/admin/pages/${encodeURIComponent(page.slug)}/edit`, asCover: false };
      usage.set(id, [...(usage.get(id) ?? []), ref]);
    }
  }
  return usage;
}

/** After an image is deleted: pages drop it from their list (the Markdown is the writer's and stays as written). */
export async function detachFromPages(mediaId: Types.ObjectId): Promise<void> {
  await Page.updateMany({ mediaIds: mediaId }, { $pull: { mediaIds: mediaId } });
}
