// Test data for the admin pages: posts and images written straight to their models (the posts and media
// domains test their own create paths), and a signed-in browser per role.
import { randomBytes } from 'node:crypto';
import type { Types } from 'mongoose';
import type { Role } from '../../src/site/permissions.js';
import type { Config } from '../../src/config.js';
import { Media } from '../../src/media/media.model.js';
import { newStorageKey } from '../../src/media/media.service.js';
import { Post } from '../../src/posts/post.model.js';
import { makeUser } from './factories.js';
import { sessionFor, type TestSession } from './session.js';

type Id = Types.ObjectId | string;

export interface MakePostOptions {
  author: { _id: Id };
  title?: string;
  status?: 'draft' | 'published' | 'scheduled';
  tags?: string[];
  coverMediaId?: Id | undefined;
}

export async function makePost(options: MakePostOptions) {
  const suffix = randomBytes(4).toString('hex');
  const title = options.title ?? `Post ${suffix}`;
  const status = options.status ?? 'draft';
  const now = Date.now();
  return Post.create({
    title,
    slug: `${title.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '')}-${suffix}`,
    bodyMarkdown: 'Some text.',
    bodyHtml: '<p>Some text.</p>',
    bodyText: 'Some text.',
    author: options.author._id,
    tags: options.tags ?? [],
    status: status === 'draft' ? 'draft' : 'published',
    publishedAt: status === 'draft' ? null : new Date(status === 'scheduled' ? now + 86_400_000 : now - 60_000),
    ...(options.coverMediaId ? { coverMediaId: options.coverMediaId, coverAlt: 'A cover' } : {}),
  });
}

/** An image record with storage keys that need not exist (LocalDiskStorage removes missing files quietly). */
export async function makeMedia(owner: { _id: Id }, filename = 'photo.jpg') {
  const storageKey = newStorageKey();
  const doc = new Media({ owner: owner._id, storageKey, filename, alt: 'A photo', format: 'jpeg', width: 800, height: 600, bytes: 1234, originalKey: `media/${storageKey}/original.jpeg`, variants: [] });
  doc.variants.push({ width: 320, height: 240, key: `media/${storageKey}/320.webp`, bytes: 100 });
  return doc.save();
}

/** A user of each role with a signed-in browser. */
export async function usersByRole(config: Config): Promise<Record<Role | 'anonymous', TestSession & { id: string }>> {
  const entries = await Promise.all(
    (['reader', 'author', 'editor', 'admin'] as const).map(async (role) => {
      const user = await makeUser({ role });
      return [role, { ...sessionFor(user, config), id: String(user._id) }] as const;
    }),
  );
  return { ...Object.fromEntries(entries), anonymous: { cookie: '', csrf: '', id: '' } } as Record<Role | 'anonymous', TestSession & { id: string }>;
}
