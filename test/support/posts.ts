// Posts for tests, made through the same service the editor uses (so bodies are rendered and sanitized),
// with publish times set directly where a test needs a past or future date.
import type { Types } from 'mongoose';
import type { NamedActor, Role } from '../../src/site/permissions.js';
import { Post, type PostDoc } from '../../src/posts/post.model.js';
import { createPost } from '../../src/posts/posts.service.js';
import { parseTagList } from '../../src/posts/tags.js';

export interface MakePostOptions {
  author: { _id: Types.ObjectId; role: string; displayName: string };
  title?: string;
  body?: string;
  excerpt?: string;
  slug?: string;
  tags?: string[];
  coverMediaId?: Types.ObjectId | string | undefined;
  coverAlt?: string;
  /** draft (default), published (now, or at publishedAt) or scheduled (an hour ahead, or at publishedAt). */
  status?: 'draft' | 'published' | 'scheduled';
  publishedAt?: Date;
}

let counter = 0;

export function actorFor(user: MakePostOptions['author']): NamedActor {
  return { id: String(user._id), role: user.role as Role, displayName: user.displayName };
}

export async function makePost(options: MakePostOptions): Promise<PostDoc> {
  counter++;
  const status = options.status ?? 'draft';
  const created = await createPost(actorFor(options.author), {
    title: options.title ?? `Test post ${counter}`,
    slug: options.slug ?? '',
    bodyMarkdown: options.body ?? `The body of test post ${counter}.`,
    excerpt: options.excerpt ?? '',
    tags: parseTagList((options.tags ?? []).join(',')),
    coverMediaId: options.coverMediaId ? String(options.coverMediaId) : null,
    coverAlt: options.coverAlt ?? (options.coverMediaId ? 'A cover' : ''),
    intent: status === 'draft' ? 'save' : 'publish',
    publishAt: null,
  });
  if (status !== 'draft' && (options.publishedAt || status === 'scheduled')) {
    const publishedAt = options.publishedAt ?? new Date(Date.now() + 3_600_000);
    await Post.updateOne({ _id: created._id }, { $set: { publishedAt } });
  }
  return (await Post.findById(created._id).lean<PostDoc>())!;
}

/** `count` published posts by `author`, one minute apart, the first one the oldest. */
export async function makePublishedSeries(author: MakePostOptions['author'], count: number, start = new Date(Date.now() - 86_400_000)): Promise<PostDoc[]> {
  const posts: PostDoc[] = [];
  for (let i = 0; i < count; i++) {
    posts.push(await makePost({ author, title: `Series post ${i + 1}`, status: 'published', publishedAt: new Date(start.getTime() + i * 60_000) }));
  }
  return posts;
}
