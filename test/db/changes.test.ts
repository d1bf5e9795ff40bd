// The one invalidation mechanism (src/db/changes.ts, src/db/announce-writes.ts): models announce their
// own writes, so a write made anywhere (not only through a service that remembered to say so) empties the
// page cache and the memos, and private bookkeeping (sign-ins, sessions) never does.
import { pino } from 'pino';
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { pathsOfUpdate } from '../../src/db/announce-writes.js';
import { declaredTopics } from '../../src/db/changes.js';
import { Comment } from '../../src/comments/comment.model.js';
import { Media } from '../../src/media/media.model.js';
import { Post } from '../../src/posts/post.model.js';
import { Settings } from '../../src/site/settings.model.js';
import { User } from '../../src/users/user.model.js';
import { testConfig } from '../support/app.js';
import { postSignIn } from '../support/auth.js';
import { makeComment } from '../support/comments.js';
import { DEFAULT_PASSWORD, makeUser } from '../support/factories.js';
import { makeMedia } from '../support/media.js';
import { recordChanges } from '../support/changes.js';
import { makePost } from '../support/posts.js';
import { sessionFor } from '../support/session.js';

const config = testConfig();
const app = createApp({ config, logger: pino({ level: 'silent' }), pageCache: true });

const changes = recordChanges();

/** Asks for `path` anonymously until it is served from the page cache. */
async function cached(path: string): Promise<string> {
  await request(app).get(path).expect(200);
  await request(app).get(path).expect(200);
  const hit = await request(app).get(path).expect(200);
  expect(hit.headers['x-page-cache']).toBe('hit');
  return hit.text;
}

describe('the change bus', () => {
  let author: Awaited<ReturnType<typeof makeUser>>;

  beforeAll(async () => {
    await makeUser({ role: 'admin' });
    author = await makeUser({ role: 'author', username: 'busauthor', displayName: 'Bus Author' });
  });

  it('every model that holds what pages show declares a topic, so the change feed shares them all', () => {
    expect(declaredTopics()).toEqual(['comments', 'media', 'navigation', 'pages', 'posts', 'redirects', 'settings', 'tags', 'users']);
  });

  it('a post write made straight through the model, by no service, empties the page cache', async () => {
    const post = await makePost({ author, title: 'Before the write', status: 'published' });
    expect(await cached(`/posts/${post.slug}`)).toContain('Before the write');
    changes.seen = [];
    await Post.updateOne({ _id: post._id }, { $set: { title: 'After the write' } });
    expect(changes.seen).toEqual([{ topic: 'posts', ids: [String(post._id)], origin: 'local', audience: 'public' }]);
    const page = await request(app).get(`/posts/${post.slug}`).expect(200);
    expect(page.headers['x-page-cache']).toBe('miss');
    expect(page.text).toContain('After the write');
  });

  it('a write that names no document says "anything may have changed"', async () => {
    await Post.updateMany({ author: author._id }, { $set: { readingMinutes: 2 } });
    expect(changes.seen).toEqual([{ topic: 'posts', ids: null, origin: 'local', audience: 'public' }]);
  });

  it('a sign-in writes only private fields: nothing is announced and cached pages stay', async () => {
    const reader = await makeUser({ role: 'reader' });
    await cached('/');
    const res = await postSignIn(app, config, { identifier: reader.username, password: DEFAULT_PASSWORD });
    expect(res.status).toBe(303);
    expect((await User.findById(reader._id).lean())!.lastSignInAt).toBeInstanceOf(Date);
    expect(changes.seen.filter((c) => c.topic === 'users')).toEqual([]);
    expect((await request(app).get('/')).headers['x-page-cache']).toBe('hit');
  });

  it('sessions and token versions are private; a display name is public', async () => {
    await User.updateOne({ _id: author._id }, { $inc: { tokenVersion: 1 }, $push: { revokedSessions: { jti: 'x', expiresAt: new Date() } } });
    expect(changes.seen).toEqual([]);
    const session = sessionFor((await User.findById(author._id).lean())!, config);
    const res = await request(app)
      .post('/account')
      .type('form')
      .set('Cookie', session.cookie)
      .send({ _csrf: session.csrf, displayName: 'Renamed Author', bio: '', email: author.email });
    expect(res.status).toBe(303);
    expect(changes.seen).toContainEqual({ topic: 'users', ids: [String(author._id)], origin: 'local', audience: 'public' });
  });

  it('a pending comment is not announced; its approval is, and so is its deletion', async () => {
    const post = await makePost({ author, status: 'published' });
    const reader = await makeUser({ role: 'reader' });
    const pending = await makeComment({ post, author: reader, status: 'pending' });
    expect(changes.seen.filter((c) => c.topic === 'comments')).toEqual([]);
    await Comment.updateOne({ _id: pending._id, status: 'pending' }, { $set: { status: 'approved' } });
    expect(changes.seen).toContainEqual({ topic: 'comments', ids: [String(pending._id)], origin: 'local', audience: 'public' });
    changes.seen = [];
    await Comment.deleteOne({ _id: pending._id });
    expect(changes.seen).toEqual([{ topic: 'comments', ids: [String(pending._id)], origin: 'local', audience: 'public' }]);
  });

  it('a new upload is used nowhere yet; a changed alt text is shown where it is used', async () => {
    const media = await makeMedia(author);
    expect(changes.seen.filter((c) => c.topic === 'media')).toEqual([]);
    await Media.updateOne({ _id: media._id }, { $set: { alt: 'A described image' } });
    expect(changes.seen).toEqual([{ topic: 'media', ids: [String(media._id)], origin: 'local', audience: 'public' }]);
  });

  it('saved settings are announced and read again', async () => {
    await Settings.updateOne({ _id: 'site' }, { $set: { tagline: 'Announced tagline' } }, { upsert: true });
    expect(changes.seen).toEqual([{ topic: 'settings', ids: ['site'], origin: 'local', audience: 'public' }]);
    const home = await request(app).get('/').expect(200);
    expect(home.text).toContain('Announced tagline');
  });

  it('reads the fields an update writes, whatever its operators', () => {
    expect(pathsOfUpdate({ $set: { 'profile.name': 'x', bio: 'y' }, $inc: { tokenVersion: 1 } })).toEqual(new Set(['profile', 'bio', 'tokenVersion']));
    expect(pathsOfUpdate({ title: 'plain replacement field' })).toEqual(new Set(['title']));
    // An aggregation pipeline or a malformed operator cannot be read: announced as public.
    expect(pathsOfUpdate([{ $set: { a: 1 } }])).toBeNull();
    expect(pathsOfUpdate({ $set: 5 })).toBeNull();
  });
});

