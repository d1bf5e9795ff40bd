// Posts fetched one by one by _id, in a given order: the lookup every engine answers from its primary
// key (FerretDB on SQLite pushes down nothing else; see post-index.ts). A page is at most a few dozen.
import type { Types } from 'mongoose';
import { Post, type PostDoc } from './post.model.js';

/** The public ones among these posts, in the order given (the index may be a moment behind: re-check). */
export async function publicPostsByIds<T extends Pick<PostDoc, '_id' | 'status' | 'publishedAt'>>(
  ids: Types.ObjectId[],
  fields: string,
  now = new Date(),
): Promise<T[]> {
  const docs = await Promise.all(ids.map((id) => Post.findById(id, `${fields} status publishedAt`).lean<T>()));
  return docs.filter((d): d is NonNullable<typeof d> => d !== null && d.status === 'published' && !!d.publishedAt && d.publishedAt <= now) as T[];
}
