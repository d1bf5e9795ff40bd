// Public content changes. Every write that changes what anonymous visitors see (posts, media, public
// profiles, settings, approved comments) calls contentChanged(); the page cache and the memos listen and
// drop what they hold. Changes made by another Quire process on the same database arrive through the
// change feed (src/site/change-feed.ts) as `remote` ones, so listeners run for both, and the feed
// publishes only the local ones (a remote change is never echoed back).
//
// A change may also say which surrogate keys (http/cdn-headers.ts) it changed, so that a CDN purges only
// those pages (site/cdn-purge.ts): `undefined` means "it may have changed anything", `[]` "nothing a
// visitor can see" (a draft saved).
export type ChangeOrigin = 'local' | 'remote';
export type ContentListener = (origin: ChangeOrigin, keys?: readonly string[]) => void;

const listeners = new Set<ContentListener>();

export function contentChanged(origin: ChangeOrigin = 'local', keys?: readonly string[]): void {
  for (const listener of listeners) listener(origin, keys);
}

export function onContentChange(listener: ContentListener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Content changes as a signal the change feed shares between processes. */
export const contentSignal = {
  name: 'content',
  onLocal: (listener: () => void) => onContentChange((origin) => origin === 'local' && listener()),
  deliverRemote: () => contentChanged('remote'),
};
