// The changes every Quire process shares with the others on its database (src/site/change-feed.ts):
// public content (page cache, memos, settings) and the posts collection (reading and search indexes).
import { contentSignal } from './http/content-version.js';
import type { Logger } from './logger.js';
import { postsSignal } from './posts/post.model.js';
import { ChangeFeed } from './site/change-feed.js';

/** Starts this process's change feed (after the database is connected). */
export async function startChangeFeed(logger: Logger): Promise<ChangeFeed> {
  const feed = new ChangeFeed({ signals: [contentSignal, postsSignal], logger });
  await feed.start();
  return feed;
}
