// What public pages keep in memory (the reading and search indexes, posts by id, authors, covers, tag
// names) must never outlive the write that changes it: every rule here is checked through the services
// the editor, the account page and the media library use.
import mongoose from 'mongoose';
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { Media } from '../../src/media/media.model.js';
import { updateAlt } from '../../src/media/media.service.js';
import { Post } from '../../src/posts/post.model.js';
import { setPublished } from '../../src/posts/posts.service.js';
import { warmPostsSnapshots } from '../../src/posts/posts-snapshot.js';
import { useReadModel } from '../../src/posts/read-model-choice.js';
import { updateProfile } from '../../src/users/users.service.js';
import { testApp } from '../support/app.js';
import { makeUser } from '../support/factories.js';
import { actorFor, makePost } from '../support/posts.js';

const { app } = testApp();

async function postsQueries(work: () => Promise<unknown>): Promise<string[]> {
  const seen: string[] = [];
  mongoose.set('debug', (collection: string, method: string) => {
    if (collection === 'posts') seen.push(method);
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
    for (const path of ['/', '/tags/lamps', '/search?q=secret']) expect((await request(app).get(path)).text, path).toContain('Lantern secret');
    await setPublished(actorFor(author), post._id, false);
    for (const path of ['/', '/tags/lamps', '/search?q=secret']) expect((await request(app).get(path)).text, path).not.toContain('Lantern secret');
    expect((await request(app).get(`/posts/${post.slug}`)).status).toBe(404);
  });

  it('shows a new display name and a new cover description on the next page', async () => {
    expect((await request(app).get('/')).text).toContain('Mina Harker');
    await updateProfile(String(author._id), { displayName: 'Mina Murray', bio: '', email: 'mina@example.test' }, { actor: { id: String(author._id), displayName: 'Mina' } });
    const home = (await request(app).get('/')).text;
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
    expect((await request(app).get('/')).text).toContain('alt="A brass lamp"');
    await updateAlt(actorFor(author), String(cover._id), 'A tarnished brass lamp');
    expect((await request(app).get('/')).text).toContain('alt="A tarnished brass lamp"');
  });

  it('finds a post under its new title right after an edit, and shows its card with that title', async () => {
    // Cards (and their rendered HTML) are kept between pages: a write through the model must end that.
    expect((await request(app).get('/')).text).toContain('Lantern note 0');
    const post = await Post.findOne({ title: 'Lantern note 0' }).lean();
    await Post.updateOne({ _id: post!._id }, { $set: { title: 'Candle note 0' } });
    const found = (await request(app).get('/search?q=candle')).text;
    expect(found).toContain('Candle note 0');
    const home = (await request(app).get('/')).text;
    expect(home).toContain('Candle note 0');
    expect(home).not.toContain('Lantern note 0');
  });
});
