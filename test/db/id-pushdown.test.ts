// Quire's FerretDB build reads a document by `_id` through the index also when the filter holds more than
// `_id` (src/db/ferretdb/quire.patch): the conditional updates of optimistic concurrency (`{_id, version}`,
// every save of the editor) decoded every post at 100,000 posts (45-148 s per save on a busy machine).
// Shown by SQLite's own query plan, which FerretDB's explain returns; and the rest of the filter still
// decides: a stale version matches nothing.
import mongoose from 'mongoose';
import { describe, expect, it } from 'vitest';
import { Post } from '../../src/posts/post.model.js';
import { makeUser } from '../support/factories.js';
import { makePost } from '../support/posts.js';

async function isFerretDb(): Promise<boolean> {
  const info = await mongoose.connection.db!.admin().command({ buildInfo: 1 });
  return typeof info.ferretdbVersion === 'string';
}

describe("Quire's FerretDB build", () => {
  it('reads `{_id, version}` through the _id index and still applies the version', async () => {
    const author = await makeUser({ role: 'author' });
    const post = await makePost({ author, title: 'Pushed down' });
    if (await isFerretDb()) {
      // A stock build (or quire.2) plans `SCAN posts_...` here: every row read and decoded.
      const explained = await mongoose.connection.db!.command({ explain: { find: 'posts', filter: { _id: post._id, version: post.version } } });
      const plan = (explained.queryPlanner as { Plan: string[] }).Plan.join('\n');
      expect(plan).toMatch(/SEARCH \S+ USING INDEX \S+__id_/);
      expect(plan).not.toMatch(/\bSCAN\b/);
    }
    expect(await Post.findOne({ _id: post._id, version: post.version + 1 }).lean()).toBeNull();
    expect((await Post.findOne({ _id: post._id, version: post.version }).lean())?.title).toBe('Pushed down');
  });
});
