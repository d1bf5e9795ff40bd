// The index file (posts-snapshot.ts): the start-up scan of the posts saved in DATA_DIR, so the next start
// reads it instead of the collection. Each "start" here is a fresh copy of the indexing modules
// (vi.resetModules), as a new process would have, on the same database and file.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mongoose from 'mongoose';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { keepIndexFile, warmPostsSnapshots } from '../../src/posts/posts-snapshot.js';
import { useReadModel } from '../../src/posts/read-model-choice.js';
import { makeUser } from '../support/factories.js';
import { makePost } from '../support/posts.js';

const path = join(mkdtempSync(join(tmpdir(), 'quire-index-file-')), 'read-index', 'test.ndjson');
/** Stands for where the change feed's counters stand: the test moves it as another process's write would. */
let stamp = 'before';

async function postsFinds(work: () => Promise<unknown>): Promise<number> {
  let finds = 0;
  mongoose.set('debug', (collection: string, method: string) => {
    if (collection === 'posts' && method === 'find') finds++;
  });
  try {
    await work();
  } finally {
    mongoose.set('debug', false);
  }
  return finds;
}

/** The indexing modules as a process just started would have them, using the index file. */
async function newProcess() {
  vi.resetModules();
  const snapshots = await import('../../src/posts/posts-snapshot.js');
  const index = await import('../../src/posts/post-index.js');
  await import('../../src/posts/search-index.js');
  snapshots.keepIndexFile({ path, stamp: async () => stamp });
  return { ...snapshots, ...index };
}

describe('the index file', () => {
  let slugs: string[] = [];

  beforeAll(async () => {
    useReadModel('memory');
    const author = await makeUser({ role: 'author' });
    const posts = [];
    for (let i = 0; i < 3; i++) posts.push(await makePost({ author, title: `Filed note ${i}`, status: 'published' }));
    slugs = posts.map((p) => p.slug);
    keepIndexFile({ path, stamp: async () => stamp });
    // The scan that writes the file, as the seed or a server's first start makes it.
    expect(await postsFinds(() => warmPostsSnapshots({ fromFile: false }))).toBe(1);
    keepIndexFile(null);
  });

  it('starts from the file without reading the posts when no post was written since', async () => {
    const next = await newProcess();
    let warm: Awaited<ReturnType<typeof next.warmPostsSnapshots>> | undefined;
    expect(await postsFinds(async () => (warm = await next.warmPostsSnapshots()))).toBe(0);
    expect(warm?.file).toBe('fresh');
    expect(warm?.posts).toBeGreaterThanOrEqual(3);
    const page = await next.pageOfIds({ kind: 'all' }, 1, 10);
    expect(page?.total).toBe(3);
    expect(await next.findSlug(slugs[0]!)).toMatchObject({ moved: false });
    // Fresh: a slug it does not know is not a post (no need to ask the database).
    expect(await next.findSlug('no-such-post')).toBeNull();
  });

  it('serves a file that is behind at once, not fresh, and replaces it with a scan of the posts', async () => {
    const author = await makeUser({ role: 'author' });
    const late = await makePost({ author, title: 'Written after the file', status: 'published' });
    stamp = 'after';
    const next = await newProcess();
    const warm = await next.warmPostsSnapshots();
    expect(warm.file).toBe('stale');
    const first = await next.pageOfIds({ kind: 'all' }, 1, 10);
    expect(first?.total).toBe(3);
    // Not fresh: an unknown slug may be a post the file lacks, so the caller asks the database.
    expect(await next.findSlug(late.slug)).toBe('unknown');
    // The scan started in the background brings the late post in (and rewrites the file).
    await vi.waitFor(async () => expect(await next.findSlug(late.slug)).toMatchObject({ moved: false }), { timeout: 30_000, interval: 50 });
    expect((await next.pageOfIds({ kind: 'all' }, 1, 10))?.total).toBe(4);
  });
});
