// The one invalidation mechanism. Every model whose documents change what visitors or dashboards see
// declares it once, with the announceWrites plugin (src/db/announce-writes.ts): which topic its writes
// belong to and which of its fields are public. Every write through such a model is then announced here,
// with the ids of the documents it named when it named them, wherever the write is made (a service, an
// admin bulk action, the seed, an importer): nothing is placed by hand beside a write, so nothing can be
// forgotten. The page cache, the memos, the settings cache and the reading indexes subscribe here.
//
// Changes made by another Quire process on the same database arrive through the change feed
// (src/site/change-feed.ts) as `remote` ones: listeners run for both, and the feed publishes only the
// local ones (a remote change is never echoed back).
//
// A change's `audience` says whether anonymous readers can see it: `private` only when the write itself
// proves that no document it touched was public before or after it (an autosaved draft: see
// `privateWhile` in src/db/announce-writes.ts), `public` otherwise, which is the default everywhere a
// change is announced without one. Caches of what anonymous readers get (the page cache) skip private
// changes; everything that also serves signed-in pages (reading indexes, memos, dashboards) hears both.
export type ChangeOrigin = 'local' | 'remote';

/** Whether a change can alter what anonymous readers see (`public`, the safe default) or provably not. */
export type ChangeAudience = 'public' | 'private';

/** What a change names (document ids), or null when it may have touched anything of its topic. */
export type ChangedIds = readonly string[] | null;

export interface Change {
  /** The kind of document written: `posts`, `comments`, `media`, `users`, `settings`, `tags`, ... */
  topic: string;
  ids: ChangedIds;
  origin: ChangeOrigin;
  audience: ChangeAudience;
}

export type ChangeListener = (change: Change) => void;

/** Ids a change names, up to this many; more count as "possibly every document" (a rescan is cheaper). */
export const MAX_NAMED_IDS = 500;

const listeners = new Set<{ topics: ReadonlySet<string> | null; listener: ChangeListener }>();
const declared = new Set<string>();

/** Records that writes of `topic` exist (the change feed shares every declared topic between processes). */
export function declareTopic(topic: string): void {
  declared.add(topic);
}

/** Every topic a model has declared so far (all of them once src/schema/models.ts is loaded). */
export function declaredTopics(): string[] {
  return [...declared].sort();
}

/** Tells every listener of `topic` that documents of it changed. */
export function announceChange(topic: string, ids: ChangedIds, origin: ChangeOrigin = 'local', audience: ChangeAudience = 'public'): void {
  const named = ids && ids.length <= MAX_NAMED_IDS ? ids : null;
  const change: Change = { topic, ids: named, origin, audience };
  for (const { topics, listener } of listeners) {
    if (!topics || topics.has(topic)) listener(change);
  }
}

/**
 * Calls `listener` after every change of the given topics (of every topic when none are given), made here
 * or in another process. Returns the unsubscribe function.
 */
export function onChange(listener: ChangeListener, topics?: readonly string[]): () => void {
  const entry = { topics: topics ? new Set(topics) : null, listener };
  listeners.add(entry);
  return () => listeners.delete(entry);
}
