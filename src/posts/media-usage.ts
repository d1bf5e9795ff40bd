// Which posts use which images: as a cover (Post.coverMediaId) or in the body (Post.mediaIds, kept by the
// posts domain on every save). One query for any number of images, on the two indexes the Post model has.
// The media domain asks through its declared interface (src/media/media-usage.ts); src/wiring.ts provides these.
import mongoose, { type Types } from 'mongoose';
import type { ContentRef } from '../media/media-usage.js';
import { Post } from './post.model.js';

/** Posts using each of these images, keyed by media id (images in no post are absent). */
export async function postsUsing(mediaIds: Iterable<Types.ObjectId | string>): Promise<Map<string, ContentRef[]>> {
  const ids = [...new Set([...mediaIds].map(String))].filter((id) => mongoose.isValidObjectId(id));
  const usage = new Map<string, ContentRef[]>();
  if (ids.length === 0) return usage;
  const posts = await Post.find(
    { $or: [{ coverMediaId: mongoose.trusted({ $in: ids }) }, { mediaIds: mongoose.trusted({ $in: ids }) }] },
    'title slug coverMediaId mediaIds',
  )
    .sort({ updatedAt: -1 })
    .lean();
  const wanted = new Set(ids);
  for (const post of posts) {
    const cover = post.coverMediaId ? String(post.coverMediaId) : undefined;
    const used = new Set([...(cover ? [cover] : []), ...post.mediaIds.map(String)]);
    for (const id of used) {
      if (!wanted.has(id)) continue;
      const ref: ContentRef = {
        kind: 'post',
        id: String(post._id),
        title: post.title,
        slug: post.slug,
        editUrl: `/posts/${encodeURIComponent(post.slug)}/edit`,
        asCover: id === cover,
      };
      usage.set(id, [...(usage.get(id) ?? []), ref]);
    }
  }
  return usage;
}

/**
 * After an image is deleted: posts that had it as cover lose the cover (and their version moves on, so an
 * editor open on the old version cannot quietly put it back), and body references are dropped from mediaIds.
 * The Markdown itself is the author's and is left as written.
 */
export async function detachFromPosts(mediaId: Types.ObjectId): Promise<void> {
  await Post.updateMany({ coverMediaId: mediaId }, { $unset: { coverMediaId: 1 }, $set: { coverAlt: '' }, $inc: { version: 1 } });
  await Post.updateMany({ mediaIds: mediaId }, { $pull: { mediaIds: mediaId } });
}
