// Public content changes. Every write that changes what anonymous visitors see (posts, media, public
// profiles, settings, approved comments) calls contentChanged(); the page cache and the memos listen and
// drop what they hold. Changes made by another Quire process on the same database arrive through the
// change feed (src/site/change-feed.ts) as `remote` ones, so listeners run for both, and the feed
// publishes only the local ones (a remote change is never echoed back).
export type ChangeOrigin = 'local' | 'remote';

const listeners = new Set<(origin: ChangeOrigin) => void>();

export function contentChanged(origin: ChangeOrigin = 'local'): void {
  for (const listener of listeners) listener(origin);
}

export function onContentChange(listener: (origin: ChangeOrigin) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Content changes as a signal the change feed shares between processes. */
export const contentSignal = {
  name: 'content',
  onLocal: (listener: () => void) => onContentChange((origin) => origin === 'local' && listener()),
  deliverRemote: () => contentChanged('remote'),
};
