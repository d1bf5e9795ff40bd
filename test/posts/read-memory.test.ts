// What public pages keep in memory (the reading and search indexes, posts by id, authors, covers, tag
// names) must never outlive the write that changes it: every rule here is checked through the services
// the editor, the account page and the media library use.
import mongoose from 'mongoose';
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { Media } from '../../src/media/media.model.js';
import { updateAlt } from '../../src/media/media.service.js';
import { Post } from '../../src/posts/post.model.js';
import { deletePost, setPublished, updatePost } from '../../src/posts/posts.service.js';
import { parseTagList } from '../../src/posts/tags.js';
import { warmPostsSnapshots } from '../../src/posts/posts-snapshot.js';
import { useReadModel } from '../../src/posts/read-model-choice.js';
import { searchIds } from '../../src/posts/search-index.js';
import { updateProfile } from '../../src/users/users.service.js';
import { testApp } from '../support/app.js';
import { makeUser } from '../support/factories.js';
import { actorFor, makePost } from '../support/posts.js';

/** A page's HTML without the <mark> that search results put around the terms. */
const unmarked = (res: { text: string }) => res.text.replace(/<\/?mark>/g, '');

const { app } = testApp();

/** The queries of the posts collection `work` makes, as "method" and "method field,field" (the filter's fields). */
async function postsQueries(work: () => Promise<unknown>, { withFilter = false } = {}): Promise<string[]> {
  const seen: string[] = [];
  mongoose.set('debug', (collection: string, method: string, filter: unknown) => {
    if (collection !== 'posts') return;
    seen.push(withFilter ? `${method} ${Object.keys((filter as object | null) ?? {}).join(',')}` : method);
  });
  try {
    await work();
  } finally {
    mongoose.set('debug', false);
  }
  return seen;
}

describe('public pages from memory', () => {
  let author: Awaited<ReturnType<typeof makeUser>>;

  beforeAll(async () => {
    // What is kept in memory is the in-memory read model's, whatever the engine would choose.
    useReadModel('memory');
    author = await makeUser({ role: 'author', username: 'mina', displayName: 'Mina Harker' });
    for (let i = 0; i < 3; i++) await makePost({ author, title: `Lantern note ${i}`, body: `The lantern burns ${i}.`, tags: ['Lamps'], status: 'published' });
  });

  it('builds the reading and search indexes from one scan, then serves pages without scanning', async () => {
    const warm = await postsQueries(() => warmPostsSnapshots());
    expect(warm).toEqual(['find']);
    const first = await postsQueries(async () => {
      await request(app).get('/').expect(200);
      await request(app).get('/search?q=lantern').expect(200);
    });
    expect(first.filter((m) => m !== 'findOne')).toEqual([]);
    const again = await postsQueries(async () => {
      await request(app).get('/?x=1').expect(200);
      await request(app).get('/search?q=lantern&x=1').expect(200);
      await request(app).get('/tags/lamps').expect(200);
    });
    expect(again).toEqual([]);
  });

  it('shows an unpublished post nowhere, at once: home, tag page, search and its own page', async () => {
    const post = await makePost({ author, title: 'Lantern secret', body: 'Not for long.', tags: ['Lamps'], status: 'published' });
    for (const path of ['/', '/tags/lamps', '/search?q=secret']) expect(unmarked(await request(app).get(path)), path).toContain('Lantern secret');
    await setPublished(actorFor(author), post._id, false);
    for (const path of ['/', '/tags/lamps', '/search?q=secret']) expect(unmarked(await request(app).get(path)), path).not.toContain('Lantern secret');
    expect((await request(app).get(`/posts/${post.slug}`)).status).toBe(404);
  });

  it('shows a new display name and a new cover description on the next page', async () => {
    expect(unmarked(await request(app).get('/'))).toContain('Mina Harker');
    await updateProfile(String(author._id), { displayName: 'Mina Murray', bio: '', email: 'mina@example.test' }, { actor: { id: String(author._id), displayName: 'Mina' } });
    const home = unmarked(await request(app).get('/'));
    expect(home).toContain('Mina Murray');
    expect(home).not.toContain('Mina Harker');

    const cover = await Media.create({
      owner: author._id,
      filename: 'lamp.png',
      alt: 'A brass lamp',
      format: 'png',
      width: 640,
      height: 360,
      bytes: 100,
      originalKey: 'media/x/original.png',
      variants: [{ width: 640, height: 360, key: 'media/x/640.webp', bytes: 50 }],
    });
    const post = await makePost({ author, title: 'Lantern with cover', status: 'published', coverMediaId: String(cover._id) });
    // Without a description of its own (as the seeded posts), a cover is described by the image's alt text.
    await Post.updateOne({ _id: post._id }, { $set: { coverAlt: '' } });
    expect(unmarked(await request(app).get('/'))).toContain('alt="A brass lamp"');
    await updateAlt(actorFor(author), String(cover._id), 'A tarnished brass lamp');
    expect(unmarked(await request(app).get('/'))).toContain('alt="A tarnished brass lamp"');
  });

  it('finds a post under its new title right after an edit, and shows its card with that title', async () => {
    // Cards (and their rendered HTML) are kept between pages: a write through the model must end that.
    expect(unmarked(await request(app).get('/'))).toContain('Lantern note 0');
    const post = await Post.findOne({ title: 'Lantern note 0' }).lean();
    await Post.updateOne({ _id: post!._id }, { $set: { title: 'Candle note 0' } });
    const found = unmarked(await request(app).get('/search?q=candle'));
    expect(found).toContain('Candle note 0');
    const home = unmarked(await request(app).get('/'));
    expect(home).toContain('Candle note 0');
    expect(home).not.toContain('Lantern note 0');
  });
});

describe('search in memory: a rare word (found from its occurrences) and a common one (post by post)', () => {
  let author: Awaited<ReturnType<typeof makeUser>>;
  beforeAll(async () => {
    useReadModel('memory');
    author = await makeUser({ role: 'author', username: 'lucy', displayName: 'Lucy Westenra' });
  });

  const titles = async (q: string) => [...unmarked(await request(app).get(`/search?q=${encodeURIComponent(q)}`)).matchAll(/<h2[^>]*>\s*<a[^>]*>([^<]+)<\/a>/g)].map((m) => m[1]!.trim());

  it('gives the same answers both ways, newest first, and forgets a word an edit removed', async () => {
    const at = (day: number) => new Date(Date.UTC(2020, 0, day));
    await makePost({ author, title: 'Garlic older', body: `${'garlic '.repeat(50)} wolfsbane`, status: 'published', publishedAt: at(1) });
    await makePost({ author, title: 'Garlic newer', body: 'garlic and more garlic', status: 'published', publishedAt: at(2) });
    const edited = await makePost({ author, title: 'Window note', body: 'A wolfsbane wreath on the window.', status: 'published', publishedAt: at(3) });
    expect(await titles('garlic')).toEqual(['Garlic newer', 'Garlic older']);
    expect(await titles('wolfsbane')).toEqual(['Window note', 'Garlic older']);
    // Found from occurrences (the default) or post by post (a cap of 0 matching texts forces the walk): the same.
    for (const q of ['garlic', 'wolfsbane', 'window', 'absent']) expect(await searchIds(q, null, 10), q).toEqual(await searchIds(q, null, 10, new Date(), 0));
    // The edited text goes to the end of the arena; the old one stays behind in its Buffer, and is not a match.
    await Post.updateOne({ _id: edited._id }, { $set: { bodyText: 'A rose on the window.' } });
    expect(await titles('wolfsbane')).toEqual(['Garlic older']);
    expect(await titles('rose on the')).toEqual(['Window note']);
    expect(await searchIds('wolfsbane', null, 10)).toEqual(await searchIds('wolfsbane', null, 10, new Date(), 0));
  });
});

describe('the in-memory read model after a write', () => {
  let author: Awaited<ReturnType<typeof makeUser>>;

  beforeAll(async () => {
    useReadModel('memory');
    author = await makeUser({ role: 'author', username: 'jonathan', displayName: 'Jonathan Harker' });
    await makePost({ author, title: 'Journal of the pass', body: 'Snow on the Borgo pass.', tags: ['Travel'], status: 'published' });
    await warmPostsSnapshots();
  });

  /** Every query of the posts collection is a lookup by _id: nothing read the whole collection. */
  function expectLookupsByIdOnly(queries: string[]): void {
    expect(queries.filter((q) => q !== 'findOne _id')).toEqual([]);
  }

  it('patches a new post into lists, tag page, search and its neighbour, re-reading that post alone', async () => {
    expect(unmarked(await request(app).get('/tags/travel'))).toContain('Journal of the pass');
    const post = await makePost({ author, title: 'Letter from the castle', body: 'The count keeps no mirrors.', tags: ['Travel'], status: 'published' });
    const queries = await postsQueries(
      async () => {
        for (const path of ['/', '/tags/travel', '/search?q=mirrors', '/authors/jonathan']) {
          expect(unmarked(await request(app).get(path)), path).toContain('Letter from the castle');
        }
        // The post before it now links to it as the next post, and it back.
        expect(unmarked(await request(app).get('/posts/journal-of-the-pass'))).toContain(`href="/posts/${post.slug}"`);
        expect(unmarked(await request(app).get(`/posts/${post.slug}`))).toContain('href="/posts/journal-of-the-pass"');
      },
      { withFilter: true },
    );
    expect(queries.length).toBeGreaterThan(0);
    expectLookupsByIdOnly(queries);
  });

  it('moves an edited post to its new slug and words, and drops a deleted one, without a scan', async () => {
    const post = await makePost({ author, title: 'Diary at Whitby', body: 'A ship runs aground.', tags: ['Travel'], status: 'published' });
    expect(unmarked(await request(app).get('/search?q=aground'))).toContain('Diary at Whitby');
    await updatePost(actorFor(author), post.slug, post.version, {
      title: 'Log of the Demeter',
      slug: 'log-of-the-demeter',
      bodyMarkdown: 'The crew vanish one by one.',
      excerpt: '',
      tags: parseTagList('Ships'),
      coverMediaId: null,
      coverAlt: '',
      intent: 'save',
      publishAt: null,
    });
    const queries = await postsQueries(
      async () => {
        expect(unmarked(await request(app).get('/search?q=aground'))).not.toContain('Log of the Demeter');
        expect(unmarked(await request(app).get('/search?q=vanish'))).toContain('Log of the Demeter');
        expect(unmarked(await request(app).get('/tags/travel'))).not.toContain('Log of the Demeter');
        expect(unmarked(await request(app).get('/tags/ships'))).toContain('Log of the Demeter');
        const moved = await request(app).get(`/posts/${post.slug}`);
        expect(moved.status).toBe(301);
        expect(moved.headers.location).toBe('/posts/log-of-the-demeter');
        expect((await request(app).get('/posts/log-of-the-demeter')).status).toBe(200);
      },
      { withFilter: true },
    );
    expectLookupsByIdOnly(queries);

    await deletePost(actorFor(author), post._id);
    const afterDelete = await postsQueries(
      async () => {
        for (const path of ['/', '/tags/ships', '/search?q=vanish']) expect(unmarked(await request(app).get(path)), path).not.toContain('Log of the Demeter');
        expect((await request(app).get('/posts/log-of-the-demeter')).status).toBe(404);
      },
      { withFilter: true },
    );
    // The 404 asks the database once by slug (the index is fresh, so it may answer from memory alone).
    expectLookupsByIdOnly(afterDelete);
  });

  it('matches text beyond ASCII case-insensitively (the text is kept as UTF-8 bytes)', async () => {
    await makePost({ author, title: 'Crème brûlée in Zürich', body: 'Ελληνικά and 日本語 notes.', status: 'published' });
    for (const q of ['BRÛLÉE', 'zürich', 'ελληνικά', '日本語', 'rème']) {
      expect(unmarked(await request(app).get(`/search?q=${encodeURIComponent(q)}`)), q).toContain('Crème brûlée in Zürich');
    }
    expect(unmarked(await request(app).get(`/search?q=${encodeURIComponent('brulee')}`))).not.toContain('Crème brûlée in Zürich');
  });

  it('rescans after a write that names no posts (a bulk update), and shows its effect', async () => {
    const post = await makePost({ author, title: 'Notes on the asylum', body: 'Renfield eats flies.', tags: ['Travel'], status: 'published' });
    expect(unmarked(await request(app).get('/search?q=flies'))).toContain('Notes on the asylum');
    await Post.updateMany({ author: author._id, title: 'Notes on the asylum' }, { $set: { status: 'draft' } });
    const queries = await postsQueries(async () => {
      expect(unmarked(await request(app).get('/search?q=flies'))).not.toContain('Notes on the asylum');
      expect(unmarked(await request(app).get('/'))).not.toContain('Notes on the asylum');
    });
    expect(queries).toContain('find');
    expect((await request(app).get(`/posts/${post.slug}`)).status).toBe(404);
  });
});
