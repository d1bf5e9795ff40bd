// Lookups that every public page repeats (author names and avatars, cover images, tag names), kept in
// memory by key until the next change announced on the change bus (src/db/changes.ts: every write through
// a model that declares its public fields, here or in another process); a lookup that started before a change is not kept after
// it, and nothing is kept longer than a minute (changes made by another process). Keys not found are not
// remembered, so something created later is found the next time.
import { onChange } from '../db/changes.js';

const MAX_KEYS = 20_000;
const MAX_AGE_MS = 60_000;

export type Lookup<V> = (keys: string[]) => Promise<Map<string, V>>;

/** `load`, remembered per key until the next announced change. */
export function memoByKey<V>(load: Lookup<V>): Lookup<V> {
  const kept = new Map<string, { value: V; expires: number }>();
  let generation = 0;
  const forget = () => {
    kept.clear();
    generation++;
  };
  onChange(forget);
  return async (keys) => {
    const found = new Map<string, V>();
    const missing: string[] = [];
    const now = Date.now();
    for (const key of new Set(keys)) {
      const hit = kept.get(key);
      if (hit && hit.expires > now) found.set(key, hit.value);
      else missing.push(key);
    }
    if (missing.length === 0) return found;
    const started = generation;
    const loaded = await load(missing);
    for (const [key, value] of loaded) {
      found.set(key, value);
      if (generation !== started) continue;
      if (kept.size >= MAX_KEYS) kept.delete(kept.keys().next().value!);
      kept.set(key, { value, expires: now + MAX_AGE_MS });
    }
    return found;
  };
}
