// Demo posts. Three kinds:
// - articles: the ~60 hand-written-looking posts of the demo site, published over the last months (stored
//   directly, so their dates can lie in the past);
// - drafts and scheduled posts: made through createPost, exactly as the editor's buttons make them;
// - generated posts for a large site (--posts N): inserted in batches from a few bodies rendered once,
//   published over the years before the articles, so 100,000 posts take minutes, not hours.
// Every kind is idempotent: slugs are fixed (articles, drafts, scheduled) and generated posts only top the
// site up to N public posts.
import mongoose, { Types } from 'mongoose';
import { deriveBody, type DerivedBody } from '../../posts/post-content.js';
import { Post, publicFilter } from '../../posts/post.model.js';
import type { NamedActor } from '../../site/permissions.js';
import { createPost } from '../../posts/posts.service.js';
import { slugify } from '../../posts/slugs.js';
import { rememberTags, type TagRef } from '../../posts/tags.js';
import { articleBody, shortBody } from './bodies.js';
import { randomSequence } from './covers.js';
import { DRAFTS, RELATED, SCHEDULED, SUBJECTS, TITLE_PATTERNS, TOPICS, type Topic } from './topics.js';

const DAY = 86_400_000;
const ARTICLE_SPACING_DAYS = 2.9;
const BULK_YEARS = 5;
export const BULK_BATCH = 1000;

export interface SeedWriters {
  /** Who writes each topic, and owns its cover. */
  writerOf(topicIndex: number): NamedActor;
  coverOf(topicIndex: number): string;
}

export function tagRefOf(topic: Topic): TagRef {
  return { slug: slugify(topic.tag, 60), name: topic.tag };
}

export async function ensureTags(): Promise<void> {
  await rememberTags(TOPICS.map(tagRefOf));
}

interface Article {
  topicIndex: number;
  variant: number;
  title: string;
  lede: string;
}

/** The articles newest first, topics taking turns, so every page of the home page mixes subjects. */
export function articleOrder(): Article[] {
  const order: Article[] = [];
  const perTopic = Math.max(...TOPICS.map((t) => t.articles.length));
  for (let variant = 0; variant < perTopic; variant++) {
    for (const [topicIndex, topic] of TOPICS.entries()) {
      const article = topic.articles[variant];
      if (article) order.push({ topicIndex, variant, title: article[0], lede: article[1] });
    }
  }
  return order;
}

/** A topic's tag plus, for some posts, a related one. */
function tagsFor(topicIndex: number, variant: number): string[] {
  const topic = TOPICS[topicIndex]!;
  const tags = [tagRefOf(topic).slug];
  const related = RELATED[topic.tag]?.[variant === 1 ? 0 : 1];
  if (variant % 2 === 1 && related) tags.push(slugify(related, 60));
  return tags;
}

function fields(writer: NamedActor, coverId: string, body: DerivedBody & { bodyMarkdown: string }, at: Date) {
  return {
    ...body,
    previousSlugs: [],
    coverMediaId: new Types.ObjectId(coverId),
    coverAlt: '',
    author: new Types.ObjectId(writer.id),
    status: 'published' as const,
    publishedAt: at,
    version: 1,
    lastEditor: new Types.ObjectId(writer.id),
    lastEditorName: writer.displayName,
    createdAt: at,
    updatedAt: at,
  };
}

/** The first `count` articles, published a few days apart up to now; returns how many were added. */
export async function ensureArticles(count: number, writers: SeedWriters, now = new Date()): Promise<number> {
  const wanted = articleOrder().slice(0, count);
  const slugs = wanted.map((a) => slugify(a.title));
  const present = new Set((await Post.find({ slug: mongoose.trusted({ $in: slugs }) }, 'slug').lean()).map((p) => p.slug));
  const docs = wanted.flatMap((article, k) => {
    const slug = slugs[k]!;
    if (present.has(slug)) return [];
    const topic = TOPICS[article.topicIndex]!;
    const writer = writers.writerOf(article.topicIndex);
    const bodyMarkdown = articleBody(topic, article.variant, article.lede);
    const jitter = randomSequence(k + 1)() * 0.5 * DAY;
    const at = new Date(now.getTime() - (k + 0.2) * ARTICLE_SPACING_DAYS * DAY - jitter);
    return [
      {
        title: article.title,
        slug,
        tags: tagsFor(article.topicIndex, article.variant),
        ...fields(writer, writers.coverOf(article.topicIndex), { bodyMarkdown, ...deriveBody(bodyMarkdown, '') }, at),
      },
    ];
  });
  if (docs.length) await Post.insertMany(docs, { timestamps: false });
  return docs.length;
}

/** Drafts and scheduled posts, through the posts service; returns how many of each were added. */
export async function ensureUnpublished(writers: SeedWriters, now = new Date()): Promise<{ drafts: number; scheduled: number }> {
  const made = { drafts: 0, scheduled: 0 };
  const items = [
    ...DRAFTS.map(([title, topicIndex, lede]) => ({ title, topicIndex, lede, publishAt: null as Date | null })),
    ...SCHEDULED.map(([title, topicIndex, lede, days]) => ({ title, topicIndex, lede, publishAt: new Date(now.getTime() + days * DAY) })),
  ];
  for (const [i, item] of items.entries()) {
    const slug = slugify(item.title);
    if (await Post.exists({ slug })) continue;
    const topic = TOPICS[item.topicIndex]!;
    const writer = writers.writerOf(item.topicIndex);
    await createPost(writer, {
      title: item.title,
      slug,
      bodyMarkdown: articleBody(topic, i, item.lede),
      excerpt: '',
      tags: [tagRefOf(topic)],
      // Every other draft has no cover yet, as drafts often do.
      coverMediaId: item.publishAt || i % 2 === 0 ? writers.coverOf(item.topicIndex) : null,
      coverAlt: '',
      intent: item.publishAt ? 'schedule' : 'save',
      publishAt: item.publishAt,
    });
    made[item.publishAt ? 'scheduled' : 'drafts']++;
  }
  return made;
}

/** One rendering per topic and variant: the bodies every generated post shares. */
function bulkTemplates(): Array<Array<DerivedBody & { bodyMarkdown: string }>> {
  return TOPICS.map((topic) =>
    [0, 1].map((variant) => {
      const bodyMarkdown = shortBody(topic, variant);
      return { bodyMarkdown, ...deriveBody(bodyMarkdown, '') };
    }),
  );
}

/**
 * Tops the site up to `target` public posts with generated ones, in batches; calls `progress` after each
 * batch. Generated posts are older than everything already published. Returns how many were added.
 */
export async function ensureBulk(
  target: number,
  writers: SeedWriters,
  progress: (done: number, total: number) => void,
  now = new Date(),
): Promise<number> {
  const existing = await Post.countDocuments(publicFilter(now));
  const needed = target - existing;
  if (needed <= 0) return 0;
  const oldest = await Post.findOne(publicFilter(now), 'publishedAt').sort({ publishedAt: 1, _id: 1 }).lean();
  const start = Math.min(oldest?.publishedAt?.getTime() ?? now.getTime(), now.getTime() - DAY) - DAY;
  const step = (BULK_YEARS * 365 * DAY) / needed;
  const templates = bulkTemplates();

  let inserted = 0;
  for (let from = 0; from < needed; from += BULK_BATCH) {
    const docs = [];
    for (let i = from; i < Math.min(needed, from + BULK_BATCH); i++) {
      const n = existing + i + 1;
      const random = randomSequence(n);
      const topicIndex = Math.floor(random() * TOPICS.length);
      const variant = Math.floor(random() * 2);
      const subjects = SUBJECTS[topicIndex]!;
      const title = TITLE_PATTERNS[Math.floor(random() * TITLE_PATTERNS.length)]!.replace('{s}', subjects[Math.floor(random() * subjects.length)]!);
      const titled = title.charAt(0).toUpperCase() + title.slice(1);
      const at = new Date(start - i * step - random() * step);
      docs.push({
        _id: new Types.ObjectId(),
        title: titled,
        slug: `${slugify(titled)}-${n}`,
        tags: tagsFor(topicIndex, variant),
        ...fields(writers.writerOf(topicIndex), writers.coverOf(topicIndex), templates[topicIndex]![variant]!, at),
      });
    }
    inserted += await insertBatch(docs);
    progress(from + docs.length, needed);
  }
  return inserted;
}

/**
 * Inserts a batch, already in its stored shape (lean: no per-document casting). A slug some other post
 * already has is skipped (unordered insert), so a rerun after an interruption still completes.
 */
async function insertBatch(docs: Record<string, unknown>[]): Promise<number> {
  try {
    const result = await Post.insertMany(docs, { lean: true, ordered: false, rawResult: true });
    return result.insertedCount;
  } catch (err) {
    const e = err as { code?: number; insertedDocs?: unknown[]; result?: { insertedCount?: number }; writeErrors?: Array<{ code?: number; err?: { code?: number } }> };
    const duplicatesOnly = (e.writeErrors ?? []).every((w) => (w.code ?? w.err?.code) === 11000) && (e.writeErrors?.length ?? 0) > 0;
    if (!duplicatesOnly && e.code !== 11000) throw err;
    return e.result?.insertedCount ?? e.insertedDocs?.length ?? 0;
  }
}
