// Requests that arrive together at a cold process (just started, or just told of a change) share one read
// of what every page needs (settings, whether setup is done, the menu, authors, covers, tags) instead of
// each starting its own; and a request after a change never gets what was read before it.
import mongoose from 'mongoose';
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { announceChange, declaredTopics } from '../../src/db/changes.js';
import { forgetSetupState } from '../../src/auth/setup-state.js';
import { memoByKey, memoValue } from '../../src/http/content-memo.js';
import { testApp } from '../support/app.js';
import { makeUser } from '../support/factories.js';
import { makeMedia } from '../support/media.js';
import { makePost } from '../support/posts.js';

/** A load whose reads finish when the test says so: each call is recorded with what it asked for. */
function heldLoad<T, A = undefined>() {
  const reads: { asked: A | undefined; resolve: (value: T) => void }[] = [];
  const load = (asked?: A) =>
    new Promise<T>((resolve) => {
      reads.push({ asked, resolve });
    });
  return { load, reads };
}

describe('memoValue', () => {
  it('gives every caller that arrives during a read the same read, then keeps the value', async () => {
    const { load, reads } = heldLoad<number>();
    const memo = memoValue(load);
    const waiting = Array.from({ length: 20 }, () => memo.get());
    expect(reads).toHaveLength(1);
    expect(memo.peek()).toBeUndefined();
    reads[0]!.resolve(7);
    expect(await Promise.all(waiting)).toEqual(Array(20).fill(7));
    expect(memo.peek()).toBe(7);
    expect(await memo.get()).toBe(7);
    expect(reads).toHaveLength(1);
  });

  it('does not hand a read begun before forget() to a caller after it, nor keep its value', async () => {
    const { load, reads } = heldLoad<string>();
    const memo = memoValue(load);
    const before = memo.get();
    memo.forget();
    const after = memo.get();
    expect(reads).toHaveLength(2);
    reads[1]!.resolve('new');
    reads[0]!.resolve('old');
    expect(await before).toBe('old');
    expect(await after).toBe('new');
    expect(memo.peek()).toBe('new');
  });

  it('keeps what set() was given over a read that was in progress', async () => {
    const { load, reads } = heldLoad<string>();
    const memo = memoValue(load);
    const inProgress = memo.get();
    memo.set('saved');
    reads[0]!.resolve('read before the save');
    expect(await inProgress).toBe('read before the save');
    expect(memo.peek()).toBe('saved');
    expect(await memo.get()).toBe('saved');
  });

  it('shares a value it does not keep with those who waited, and reads again for the next caller', async () => {
    let reads = 0;
    const memo = memoValue(
      async () => {
        reads++;
        return false;
      },
      (value) => value,
    );
    expect(await Promise.all([memo.get(), memo.get(), memo.get()])).toEqual([false, false, false]);
    expect(reads).toBe(1);
    expect(await memo.get()).toBe(false);
    expect(reads).toBe(2);
  });

  it('passes a failed read to everyone waiting and tries again on the next call', async () => {
    let reads = 0;
    const memo = memoValue(async () => {
      reads++;
      if (reads === 1) throw new Error('database away');
      return 'back';
    });
    const results = await Promise.allSettled([memo.get(), memo.get()]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(reads).toBe(1);
    expect(await memo.get()).toBe('back');
    expect(reads).toBe(2);
  });
});

describe('memoByKey', () => {
  it('reads each key once for lookups that overlap while it is being read', async () => {
    const { load, reads: batches } = heldLoad<Map<string, string>, string[]>();
    const lookup = memoByKey<string>(load);
    const first = lookup(['a', 'b']);
    const second = lookup(['b', 'c', 'missing']);
    const third = lookup(['a', 'c']);
    expect(batches.map((b) => b.asked)).toEqual([['a', 'b'], ['c', 'missing']]);
    batches[1]!.resolve(new Map([['c', 'C']]));
    batches[0]!.resolve(
      new Map([
        ['a', 'A'],
        ['b', 'B'],
      ]),
    );
    expect(Object.fromEntries(await first)).toEqual({ a: 'A', b: 'B' });
    expect(Object.fromEntries(await second)).toEqual({ b: 'B', c: 'C' });
    expect(Object.fromEntries(await third)).toEqual({ a: 'A', c: 'C' });
    // Kept now; a key that was not found is asked for again.
    const again = lookup(['a', 'b', 'c', 'missing']);
    expect(batches.map((b) => b.asked)).toEqual([['a', 'b'], ['c', 'missing'], ['missing']]);
    batches[2]!.resolve(new Map());
    expect(Object.fromEntries(await again)).toEqual({ a: 'A', b: 'B', c: 'C' });
  });

  it('does not hand a read begun before a change to a lookup after it, nor keep it', async () => {
    const { load, reads: batches } = heldLoad<Map<string, string>, string[]>();
    const lookup = memoByKey<string>(load);
    const before = lookup(['a']);
    announceChange(declaredTopics()[0]!, null);
    const after = lookup(['a']);
    expect(batches).toHaveLength(2);
    batches[0]!.resolve(new Map([['a', 'old']]));
    batches[1]!.resolve(new Map([['a', 'new']]));
    expect((await before).get('a')).toBe('old');
    expect((await after).get('a')).toBe('new');
    expect((await lookup(['a'])).get('a')).toBe('new');
    expect(batches).toHaveLength(2);
  });
});

describe('a cold process under a burst of first requests', () => {
  const { app } = testApp();

  beforeAll(async () => {
    const author = await makeUser({ role: 'author', username: 'cold', displayName: 'Cold Start' });
    const cover = await makeMedia(author);
    for (const tag of ['engines', 'poetry', 'engines']) {
      await makePost({ author, status: 'published', tags: [tag, 'notes'], coverMediaId: cover._id });
    }
  });

  /** Forgets everything kept, then sends `count` home-page requests at once (each its own page-cache entry). */
  async function coldBurst(count: number, round: string): Promise<Map<string, number>> {
    forgetSetupState();
    for (const topic of declaredTopics()) announceChange(topic, null, 'remote');
    const perCollection = new Map<string, number>();
    mongoose.set('debug', (collection: string) => {
      perCollection.set(collection, (perCollection.get(collection) ?? 0) + 1);
    });
    try {
      const responses = await Promise.all(Array.from({ length: count }, (_, i) => request(app).get(`/?${round}=${i}`)));
      for (const res of responses) {
        expect(res.status).toBe(200);
        expect(res.text).toContain('Cold Start');
      }
    } finally {
      mongoose.set('debug', false);
    }
    return perCollection;
  }

  it('reads settings, setup state, menu, pages and authors once however many requests wait for them', async () => {
    const one = await coldBurst(1, 'one');
    const many = await coldBurst(25, 'many');
    // The listing itself may be a query per request (the query read model); everything around it is shared.
    const shared = ['settings', 'users', 'navigation', 'pages', 'media', 'tags'];
    for (const collection of shared) {
      expect({ collection, reads: many.get(collection) ?? 0 }).toEqual({ collection, reads: one.get(collection) ?? 0 });
    }
    // Each of them is read at least once by a cold home page, so the comparison above counts real reads.
    for (const collection of shared) expect(one.get(collection), collection).toBeGreaterThanOrEqual(1);
  });
});
