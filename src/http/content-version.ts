// A counter of public content changes. Every write that changes what anonymous visitors see (posts,
// media, public profiles, settings, approved comments) calls contentChanged(); the public page cache
// listens and drops what it holds.
let version = 0;
const listeners = new Set<() => void>();

export function contentChanged(): void {
  version++;
  for (const listener of listeners) listener();
}

export function contentVersion(): number {
  return version;
}

export function onContentChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
