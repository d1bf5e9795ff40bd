// The demo site, put together: accounts of every role, tags, cover images, articles, drafts, scheduled
// posts and, for scale tests, generated posts up to a target count. Safe to run again: what exists is kept
// and only what is missing is added (a second identical run adds nothing).
import type { Config } from '../../config.js';
import { migrate } from '../../schema/migrate.js';
import type { Logger } from '../../logger.js';
import type { Storage } from '../../media/storage.js';
import type { NamedActor } from '../../site/permissions.js';
import { ensureCovers } from './covers.js';
import { articleOrder, ensureArticles, ensureBulk, ensureTags, ensureUnpublished } from './posts.js';
import { TOPICS } from './topics.js';
import { ensureDemoUsers, type DemoUser } from './users.js';

/** Topics written by the author (the rest by the editor). */
const AUTHOR_TOPICS = new Set(['JavaScript', 'TypeScript', 'Accessibility', 'CSS', 'Testing', 'Design']);

export const DEFAULT_POSTS = articleOrder().length;

export interface SeedOptions {
  config: Pick<Config, 'isProduction'>;
  logger: Logger;
  storage: Storage;
  /** Public posts the site should have: the articles first, generated posts beyond them. */
  posts?: number;
  force?: boolean;
  /**
   * Width in pixels the covers are rendered at (default 1600, what the CLI uses). Tests pass a small one:
   * the same pictures, with a fraction of sharp's work for the PNG and its WebP renditions.
   */
  coverWidth?: number;
  /** Progress lines (none when omitted). */
  progress?: (message: string) => void;
}

export interface SeedReport {
  users: DemoUser[];
  /** The site's admin: the demo one created now (with its password), or the existing one that was used. */
  admin: DemoUser;
  added: { users: number; covers: number; articles: number; drafts: number; scheduled: number; generated: number };
  /** True when this run added nothing. */
  unchanged: boolean;
}

export class SeedRefused extends Error {
  override name = 'SeedRefused';
}

export async function seed(options: SeedOptions): Promise<SeedReport> {
  if (options.config.isProduction && !options.force) {
    throw new SeedRefused('Refusing to seed demo content with NODE_ENV=production. Run with --force if you really mean it.');
  }
  const target = options.posts ?? DEFAULT_POSTS;
  if (!Number.isInteger(target) || target < 0) throw new SeedRefused('--posts must be a whole number of 0 or more.');
  const progress = options.progress ?? (() => undefined);

  await migrate(options.logger);
  const users = await ensureDemoUsers();
  const actor = (user: DemoUser): NamedActor => ({ id: user.id, role: user.role, displayName: user.displayName });
  const writerOf = (topicIndex: number) => actor(AUTHOR_TOPICS.has(TOPICS[topicIndex]!.tag) ? users.author : users.editor);
  progress('Accounts ready.');

  await ensureTags();
  const covers = await ensureCovers(TOPICS, writerOf, options.storage, progress, options.coverWidth);
  const writers = { writerOf, coverOf: (topicIndex: number) => covers.ids[topicIndex]! };
  progress('Cover images ready.');

  const articles = await ensureArticles(Math.min(target, DEFAULT_POSTS), writers);
  const unpublished = await ensureUnpublished(writers);
  progress('Articles, drafts and scheduled posts ready.');

  const started = Date.now();
  const generated = await ensureBulk(target, writers, (done, total) => {
    const seconds = (Date.now() - started) / 1000;
    progress(`  generated ${done.toLocaleString('en')}/${total.toLocaleString('en')} posts (${Math.round(done / Math.max(seconds, 0.001))}/s)`);
  });

  const all = Object.values(users);
  const added = {
    users: all.filter((u) => u.password).length,
    covers: covers.created,
    articles,
    drafts: unpublished.drafts,
    scheduled: unpublished.scheduled,
    generated,
  };
  const unchanged = Object.values(added).every((n) => n === 0);
  return { users: all, admin: users.admin, added, unchanged };
}
