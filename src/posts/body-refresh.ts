// Renders again the stored bodies that show library images, so they get what a save now gives them
// (body-images.ts: width, height, srcset of every rendition, sizes): for posts saved before that existed,
// and after `npm run media:renditions` has added renditions. Part of that command, never of a request.
//
// Each post is written only if nobody saved it since it was read (same version, same Markdown), so a
// save made meanwhile is never replaced by a rendering of the text before it; its version does not move,
// so an editor open on the post saves as usual. Safe to run again: an unchanged rendering writes nothing.
import mongoose from 'mongoose';
import { Post } from './post.model.js';
import { renderBody } from './post-content.js';

export interface BodyRefreshResult {
  checked: number;
  updated: number;
}

// Any URL of a library file (`/uploads/media/<key>/` or the media store's own address).
const NAMES_LIBRARY_IMAGE = '/media/[a-fA-F0-9]{32}/';

export async function refreshBodyImages(report: (line: string) => void = () => undefined): Promise<BodyRefreshResult> {
  const result: BodyRefreshResult = { checked: 0, updated: 0 };
  // Ids first, then one post at a time: no cursor held open across the renders and writes.
  const ids = (await Post.find({ bodyMarkdown: mongoose.trusted({ $regex: NAMES_LIBRARY_IMAGE }) }, '_id').lean()).map((p) => p._id);
  for (const id of ids) {
    const post = await Post.findById(id, 'bodyMarkdown bodyHtml excerpt customExcerpt version').lean();
    if (!post) continue;
    result.checked++;
    const body = await renderBody(post.bodyMarkdown, post.customExcerpt ? post.excerpt : '');
    if (body.bodyHtml === post.bodyHtml) continue;
    const written = await Post.updateOne(
      { _id: post._id, version: post.version, bodyMarkdown: post.bodyMarkdown },
      { $set: { bodyHtml: body.bodyHtml, bodyText: body.bodyText, excerpt: body.excerpt, readingMinutes: body.readingMinutes, mediaIds: body.mediaIds } },
    );
    if (written.modifiedCount > 0) result.updated++;
    if (result.checked % 200 === 0) report(`${result.checked} post(s) with library images checked, ${result.updated} rendered again`);
  }
  return result;
}
