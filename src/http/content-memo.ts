// Lookups that every public page repeats (author names and avatars, cover images, tag names), kept in
// memory by key until the next change announced on the change bus (src/db/changes.ts: every write through
// a model that declares its public fields, here or in another process); a lookup that started before a change is not kept after
// it, and nothing is kept longer than a minute (changes made by another process). Keys not found are not
// remembered, so something created later is found the next time.
//
// Both kinds of memo load once for everyone waiting: requests that need a key (or the value) while it is
// being read wait for that read instead of starting their own, so the fifty requests that reach a process
// in its first millisecond (or right after a change) cost one query, not fifty. A request that arrives
// after a change never waits for a read that began before it.
import { onChange } from '../db/changes.js';

const MAX_KEYS = 20_000;
const MAX_AGE_MS = 60_000;

export type Lookup<V> = (keys: string[]) => Promise<Map<string, V>>;

/** `load`, remembered per key until the next announced change. */
export function memoByKey<V>(load: Lookup<V>): Lookup<V> {
  const kept = new Map<string, { value: V; expires: number }>();
  // Keys being read now, each with its share of that read (undefined: not found).
  const reading = new Map<string, Promise<V | undefined>>();
  let generation = 0;
  const forget = () => {
    kept.clear();
    reading.clear();
    generation++;
  };
  onChange(forget);

  function read(keys: string[], now: number): Promise<V | undefined>[] {
    const started = generation;
    const batch = load(keys).then((loaded) => {
      if (generation === started) {
        for (const [key, value] of loaded) {
          if (kept.size >= MAX_KEYS) kept.delete(kept.keys().next().value!);
          kept.set(key, { value, expires: now + MAX_AGE_MS });
        }
      }
      return loaded;
    });
    const shares = keys.map((key) => {
      const share = batch.then((loaded) => loaded.get(key));
      reading.set(key, share);
      return share;
    });
    const done = () => {
      keys.forEach((key, i) => {
        if (reading.get(key) === shares[i]) reading.delete(key);
      });
    };
    batch.then(done, done);
    return shares;
  }

  return async (keys) => {
    const found = new Map<string, V>();
    const waiting: string[] = [];
    const shares: Promise<V | undefined>[] = [];
    const missing: string[] = [];
    const now = Date.now();
    for (const key of new Set(keys)) {
      const hit = kept.get(key);
      if (hit && hit.expires > now) found.set(key, hit.value);
      else {
        const share = reading.get(key);
        if (share) {
          waiting.push(key);
          shares.push(share);
        } else missing.push(key);
      }
    }
    if (missing.length > 0) {
      waiting.push(...missing);
      shares.push(...read(missing, now));
    }
    if (waiting.length === 0) return found;
    const values = await Promise.all(shares);
    waiting.forEach((key, i) => {
      if (values[i] !== undefined) found.set(key, values[i]);
    });
    return found;
  };
}

/** One value kept in memory (the site settings, the menu), read once for everyone waiting. */
export interface MemoValue<T> {
  /** The value: the kept one, the read in progress, or a new read. */
  get(): Promise<T>;
  /** The kept value, without waiting (undefined: not read since the last change). */
  peek(): T | undefined;
  /** Keeps `value` (a write that knows what it saved); a read in progress is not kept over it. */
  set(value: T): void;
  /** Drops the kept value and any read in progress: the next `get` reads again. */
  forget(): void;
}

/**
 * `load`, kept until `forget` (the caller decides which changes make it stale). `keep` decides whether a
 * value read is kept; one not kept is still shared with the requests that waited for it.
 */
export function memoValue<T>(load: () => Promise<T>, keep: (value: T) => boolean = () => true): MemoValue<T> {
  let kept: { value: T } | undefined;
  let reading: Promise<T> | undefined;
  let generation = 0;
  return {
    get() {
      if (kept) return Promise.resolve(kept.value);
      if (reading) return reading;
      const started = generation;
      const read = load().then((value) => {
        if (generation === started && keep(value)) kept = { value };
        return value;
      });
      const done = () => {
        if (reading === read) reading = undefined;
      };
      read.then(done, done);
      reading = read;
      return read;
    },
    peek: () => kept?.value,
    set(value) {
      generation++;
      reading = undefined;
      kept = { value };
    },
    forget() {
      generation++;
      reading = undefined;
      kept = undefined;
    },
  };
}
