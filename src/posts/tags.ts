// Tag names typed by authors ("Node.js, Web") become slugs on posts and display names in the tags collection.
import mongoose from 'mongoose';
import { memoByKey } from '../http/content-memo.js';
import { cleanLine } from '../http/validate.js';
import { slugify } from './slugs.js';
import { Tag } from './tag.model.js';

export interface TagRef {
  slug: string;
  name: string;
}

export const MAX_TAGS = 20;
export const MAX_TAG_NAME = 40;

/** "Node.js, web,  Web" -> [{slug:'node-js', name:'Node.js'}, {slug:'web', name:'web'}]; duplicates dropped. */
export function parseTagList(input: string): TagRef[] {
  const seen = new Set<string>();
  const tags: TagRef[] = [];
  for (const raw of input.split(',')) {
    // NFKC, no invisible or direction-changing characters (validate.ts): a tag name shows what it says.
    const name = cleanLine(raw);
    if (!name) continue;
    const slug = slugify(name, 60);
    if (seen.has(slug)) continue;
    seen.add(slug);
    tags.push({ slug, name });
  }
  return tags;
}

/**
 * Records names for new tag slugs; a slug that exists keeps the name it has. Tags that exist are not
 * written at all (timestamps only on insert): a save that adds no tag changes nothing, so it announces
 * nothing (src/db/announce-writes.ts), and an autosaved draft keeps the page cache.
 */
export async function rememberTags(tags: TagRef[]): Promise<void> {
  if (tags.length === 0) return;
  const now = new Date();
  await Tag.bulkWrite(
    tags.map((t) => ({
      updateOne: {
        filter: { slug: t.slug },
        update: { $setOnInsert: { slug: t.slug, name: t.name, createdAt: now, updatedAt: now } },
        upsert: true,
        timestamps: false,
      },
    })),
    { ordered: false },
  ).catch((err: { code?: number }) => {
    // Two saves adding the same new tag at once: the other one's insert won, which is the outcome we want.
    if (err?.code !== 11000) throw err;
  });
}

// A tag's name never changes once recorded, and new tags arrive with a post save (announced).
const tagNames = memoByKey(async (slugs) => {
  const docs = await Tag.find({ slug: mongoose.trusted({ $in: slugs }) }, 'slug name').lean();
  return new Map(docs.map((doc) => [doc.slug, { slug: doc.slug, name: doc.name }]));
});

/** Display names for tag slugs, in at most one query; a slug without a record shows as itself. */
export async function tagRefs(slugs: Iterable<string>): Promise<Map<string, TagRef>> {
  const unique = [...new Set(slugs)];
  const map = new Map<string, TagRef>(unique.map((slug) => [slug, { slug, name: slug }]));
  if (unique.length === 0) return map;
  for (const [slug, ref] of await tagNames(unique)) map.set(slug, ref);
  return map;
}

export async function findTag(slug: string): Promise<TagRef | null> {
  return (await tagNames([slug])).get(slug) ?? null;
}
