// The read model's contract (src/posts/read-model.ts), asked of both implementations on the same posts:
// the in-memory indexes and the indexed queries must give the same answers to every question, so the
// engine decides only how fast, never what readers see.
import mongoose from 'mongoose';
import { beforeAll, describe, expect, it } from 'vitest';
import { Post, type PostDoc } from '../../src/posts/post.model.js';
import { memoryReadModel } from '../../src/posts/memory-read-model.js';
import { queryReadModel } from '../../src/posts/query-read-model.js';
import type { PostReadModel } from '../../src/posts/read-model.js';
import { makeUser } from '../support/factories.js';
import { makePost } from '../support/posts.js';

const models: PostReadModel[] = [memoryReadModel, queryReadModel];
const now = new Date();
const minutesAgo = (m: number) => new Date(now.getTime() - m * 60_000);

let ada: Awaited<ReturnType<typeof makeUser>>;
let bob: Awaited<ReturnType<typeof makeUser>>;
/** Published posts, newest first. */
let published: PostDoc[];
let scheduled: PostDoc;
let drafts: PostDoc[];
let moved: PostDoc;

beforeAll(async () => {
  ada = await makeUser({ role: 'author', username: 'ada' });
  bob = await makeUser({ role: 'editor', username: 'bob' });
  const made: PostDoc[] = [];
  for (let i = 0; i < 7; i++) {
    made.push(
      await makePost({
        author: i % 2 ? bob : ada,
        title: i === 3 ? 'Engines (and gears) at 50%' : `Published ${i}`,
        body: i === 5 ? 'A body that mentions the analytical engine.' : `Plain words ${i}.`,
        tags: i % 3 === 0 ? ['Difference Engine'] : ['Notes'],
        status: 'published',
        publishedAt: minutesAgo(100 - i * 10),
      }),
    );
  }
  // Two posts published at the same instant: ties are ordered by the larger id first.
  const tie = minutesAgo(5);
  made.push(await makePost({ author: ada, title: 'Tie one', status: 'published', publishedAt: tie }));
  made.push(await makePost({ author: ada, title: 'Tie two', status: 'published', publishedAt: tie }));
  published = made.sort((a, b) => b.publishedAt!.getTime() - a.publishedAt!.getTime() || (String(b._id) > String(a._id) ? 1 : -1));
  scheduled = await makePost({ author: ada, title: 'Later', status: 'scheduled', tags: ['Notes'] });
  drafts = [await makePost({ author: ada, title: 'Draft one' }), await makePost({ author: bob, title: 'Draft two', tags: ['Notes'] })];
  moved = published[2]!;
  await Post.updateOne({ _id: moved._id }, { $set: { slug: `${moved.slug}-renamed` }, $push: { previousSlugs: moved.slug } });
});

const ids = (docs: PostDoc[]) => docs.map((d) => String(d._id));

describe.each(models)('the $kind read model', (model) => {
  it('pages public lists newest first, with the scheduled post and drafts left out', async () => {
    const first = await model.page({ kind: 'all' }, 1, 4, now);
    expect(first).toEqual({ ids: ids(published.slice(0, 4)), page: 1, pageCount: 3, total: 9 });
    expect((await model.page({ kind: 'all' }, 3, 4, now))!.ids).toEqual(ids(published.slice(8)));
    expect(await model.page({ kind: 'all' }, 4, 4, now)).toBeNull();
    const adas = published.filter((p) => String(p.author) === String(ada._id));
    expect((await model.page({ kind: 'author', id: String(ada._id) }, 1, 20, now))!.ids).toEqual(ids(adas));
    const engine = published.filter((p) => p.tags.includes('difference-engine'));
    expect((await model.page({ kind: 'tag', slug: 'difference-engine' }, 1, 20, now))!.ids).toEqual(ids(engine));
  });

  it('finds slugs, old slugs and nothing', async () => {
    expect(await model.slug(published[0]!.slug)).toEqual({ id: String(published[0]!._id), moved: false });
    expect(await model.slug(`${moved.slug}-renamed`)).toEqual({ id: String(moved._id), moved: false });
    expect(await model.slug(moved.slug)).toEqual({ id: String(moved._id), moved: true });
    expect(await model.slug(drafts[0]!.slug)).toEqual({ id: String(drafts[0]!._id), moved: false });
    expect(await model.slug('no-such-post')).toBeNull();
  });

  it('names the slugs a new post could collide with, and who still redirects from an old slug', async () => {
    const current = (await Post.find({}, 'slug').lean()).map((p) => p.slug);
    // "Published 0" ... "Published 6" (3 has another title) are published-0 ... published-6, less the renamed one.
    const expected = new Set(current.filter((slug) => /^published(-\d+)?$/.test(slug)));
    expect(expected.size).toBe(5);
    expect(await model.slugsLike('published')).toEqual(expected);
    expect(await model.slugsLike('tie')).toEqual(new Set(current.filter((slug) => /^tie(-\d+)?$/.test(slug))));
    expect(await model.slugsLike('nothing-like-it')).toEqual(new Set());
    expect(await model.previousHolders(moved.slug, String(published[0]!._id))).toEqual([String(moved._id)]);
    expect(await model.previousHolders(moved.slug, String(moved._id))).toEqual([]);
    expect(await model.previousHolders(published[0]!.slug, String(moved._id))).toEqual([]);
  });

  it('names the neighbours of a published post, and none for a draft', async () => {
    expect(await model.neighbours(published[3]!._id, now)).toEqual({ newer: String(published[2]!._id), older: String(published[4]!._id) });
    expect(await model.neighbours(published[0]!._id, now)).toEqual({ newer: null, older: String(published[1]!._id) });
    expect(await model.neighbours(published[8]!._id, now)).toEqual({ newer: String(published[7]!._id), older: null });
    expect(await model.neighbours(drafts[0]!._id, now)).toEqual({ newer: null, older: null });
  });

  it('searches titles, text and tags literally, case-insensitively, in keyset pages', async () => {
    expect(await model.search('ENGINES (AND', null, 10, now)).toEqual([String(published.find((p) => p.title.startsWith('Engines'))!._id)]);
    expect(await model.search('50%', null, 10, now)).toHaveLength(1);
    expect(await model.search('.*', null, 10, now)).toEqual([]);
    const engine = published.filter((p) => p.tags.includes('difference-engine') || /engine/i.test(p.title) || /engine/.test(String(p.bodyText)));
    const all = await model.search('engine', null, 10, now);
    expect(all).toEqual(ids(engine));
    const firstTwo = await model.search('engine', null, 2, now);
    const after = { at: engine[1]!.publishedAt!, id: engine[1]!._id };
    expect([...firstTwo, ...(await model.search('engine', after, 10, now))]).toEqual(all);
    // A query that reads as a tag's name finds the tag's slug.
    expect(await model.search('Difference Engine', null, 10, now)).toEqual(ids(published.filter((p) => p.tags.includes('difference-engine'))));
    expect(await model.search('Later', null, 10, now)).toEqual([]);
  });

  it('lists managed posts by status in each status’s order, by author and tag, in pages', async () => {
    const pub = await model.managed({ status: 'published', order: 'status', limit: 5 }, now);
    expect(pub.ids).toEqual(ids(published.slice(0, 5)));
    expect(pub.total).toBe(9);
    const rest = await model.managed({ status: 'published', order: 'status', after: pub.next, limit: 5 }, now);
    expect(rest.ids).toEqual(ids(published.slice(5)));
    expect(rest.next).toBeNull();
    expect((await model.managed({ status: 'scheduled', order: 'status', limit: 5 }, now)).ids).toEqual([String(scheduled._id)]);
    const draftIds = (await model.managed({ status: 'draft', order: 'status', limit: 5 }, now)).ids;
    expect(new Set(draftIds)).toEqual(new Set(ids(drafts)));
    expect((await model.managed({ status: 'draft', authorId: String(bob._id), order: 'status', limit: 5 }, now)).ids).toEqual([String(drafts[1]!._id)]);
    const tagged = await model.managed({ tag: 'notes', order: 'updated', limit: 50 }, now);
    expect(tagged.total).toBe(published.filter((p) => p.tags.includes('notes')).length + 2);
    const everything = await model.managed({ order: 'updated', limit: 50 }, now);
    expect(everything.total).toBe(12);
    const second = await model.managed({ order: 'updated', offset: 10, limit: 10 }, now);
    expect(second.ids).toEqual(everything.ids.slice(10));
  });

  it('gives the sitemap newest first and posts by id', async () => {
    const map = await model.sitemap(3, now);
    expect(map.map((e) => e.id)).toEqual(ids(published.slice(0, 3)));
    expect(map[0]).toMatchObject({ slug: published[0]!.slug, author: String(published[0]!.author), tags: published[0]!.tags });
    const doc = await model.post(published[0]!._id);
    expect(doc).toMatchObject({ title: published[0]!.title, status: 'published' });
    expect(await model.post(new mongoose.Types.ObjectId())).toBeNull();
  });
});
