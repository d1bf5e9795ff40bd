// Drafts do not empty the page cache (issue 13): a write that no anonymous reader can see (an autosaved
// draft) is announced as `private` and keeps the cached public pages, while every write that can change a
// public page (publishing, editing a published post, unpublishing, deleting, or any write that does not
// prove it left a draft a draft) still empties them, so a content change is visible at once. The plugin
// decides from the write itself (src/db/announce-writes.ts, `privateWhile`), never from what a caller says.
import { pino } from 'pino';
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { filterRequires, updateKeeps } from '../../src/db/announce-writes.js';
import { Post } from '../../src/posts/post.model.js';
import { testConfig } from '../support/app.js';
import { makeUser } from '../support/factories.js';
import { recordChanges } from '../support/changes.js';
import { makePost } from '../support/posts.js';
import { sessionFor, type TestSession } from '../support/session.js';

const config = testConfig();
const app = createApp({ config, logger: pino({ level: 'silent' }), pageCache: true });

const changes = recordChanges();

let author: Awaited<ReturnType<typeof makeUser>>;
let s: TestSession;

beforeAll(async () => {
  await makeUser({ role: 'admin' });
  author = await makeUser({ role: 'author', displayName: 'Drafting Author' });
  s = sessionFor(author, config);
});

/** Asks for `path` anonymously until it is served from the page cache. */
async function cached(path: string): Promise<void> {
  await request(app).get(path).expect(200);
  await request(app).get(path).expect(200);
  const hit = await request(app).get(path).expect(200);
  expect(hit.headers['x-page-cache']).toBe('hit');
}

function autosave(slug: string, body: Record<string, unknown>) {
  return request(app).post(`/posts/${slug}/autosave`).set('Cookie', s.cookie).set('x-csrf-token', s.csrf).set('Accept', 'application/json').send(body);
}

function edit(slug: string, fields: Record<string, string>) {
  return request(app).post(`/posts/${slug}/edit`).set('Cookie', s.cookie).type('form').send({ _csrf: s.csrf, ...fields });
}

describe('a draft keeps the page cache', () => {
  it('an autosave of a draft leaves the cached home page a hit, and is still announced (as private) for dashboards', async () => {
    const draft = await makePost({ author, title: 'Half written', tags: ['notes'] });
    await makePost({ author, title: 'Already public', status: 'published', tags: ['notes'] });
    await cached('/');
    changes.seen = [];
    const res = await autosave(draft.slug, { title: 'Half written, renamed', slug: draft.slug, body: 'More words.', tags: 'notes', version: draft.version });
    expect(res.status).toBe(200);
    expect(changes.seen).toContainEqual({ topic: 'posts', ids: [String(draft._id)], origin: 'local', audience: 'private' });
    // Nothing public was announced: not the post, and not the tag it already had.
    expect(changes.seen.filter((c) => c.audience === 'public')).toEqual([]);
    const home = await request(app).get('/');
    expect(home.headers['x-page-cache']).toBe('hit');
    expect(home.text).toContain('Already public');
    // The author's own pages read the write at once (the reading indexes and memos heard it).
    const dashboard = await request(app).get('/dashboard').set('Cookie', s.cookie).expect(200);
    expect(dashboard.text).toContain('Half written, renamed');
  });

  it('a new draft (the first autosave of a new post) keeps it too', async () => {
    await cached('/');
    changes.seen = [];
    const res = await request(app).post('/posts/autosave').set('Cookie', s.cookie).set('x-csrf-token', s.csrf).set('Accept', 'application/json').send({ title: 'Brand new draft', body: 'x' });
    expect(res.status).toBe(201);
    expect(changes.seen.length).toBeGreaterThan(0);
    expect(changes.seen.filter((c) => c.audience === 'public')).toEqual([]);
    expect((await request(app).get('/')).headers['x-page-cache']).toBe('hit');
  });
});

describe('a public change still empties it at once', () => {
  it('publishing a draft from the editor', async () => {
    const draft = await makePost({ author, title: 'Soon to be live' });
    await cached('/');
    expect(await edit(draft.slug, { title: 'Soon to be live', body: 'Now public.', intent: 'publish', version: String(draft.version) })).toMatchObject({ status: 303 });
    const home = await request(app).get('/');
    expect(home.headers['x-page-cache']).toBe('miss');
    expect(home.text).toContain('Soon to be live');
  });

  it('editing a published post', async () => {
    const post = await makePost({ author, title: 'Published once', status: 'published' });
    await cached('/');
    expect(await edit(post.slug, { title: 'Published, then edited', slug: post.slug, body: 'Changed.', intent: 'save', version: String(post.version) })).toMatchObject({ status: 303 });
    const home = await request(app).get('/');
    expect(home.headers['x-page-cache']).toBe('miss');
    expect(home.text).toContain('Published, then edited');
  });

  it('unpublishing (from the editor and with the Unpublish button)', async () => {
    const first = await makePost({ author, title: 'Taken back by the editor', status: 'published' });
    const second = await makePost({ author, title: 'Taken back by the button', status: 'published' });
    await cached('/');
    expect(await edit(first.slug, { title: 'Taken back by the editor', slug: first.slug, body: 'x', intent: 'draft', version: String(first.version) })).toMatchObject({ status: 303 });
    let home = await request(app).get('/');
    expect(home.headers['x-page-cache']).toBe('miss');
    expect(home.text).not.toContain('Taken back by the editor');

    await cached('/');
    await request(app).post(`/posts/${second.slug}/unpublish`).set('Cookie', s.cookie).type('form').send({ _csrf: s.csrf }).expect(303);
    home = await request(app).get('/');
    expect(home.headers['x-page-cache']).toBe('miss');
    expect(home.text).not.toContain('Taken back by the button');
  });

  it('deleting a published post', async () => {
    const post = await makePost({ author, title: 'About to be deleted', status: 'published' });
    await cached('/');
    await request(app).post(`/posts/${post.slug}/delete`).set('Cookie', s.cookie).type('form').send({ _csrf: s.csrf }).expect(303);
    const home = await request(app).get('/');
    expect(home.headers['x-page-cache']).toBe('miss');
    expect(home.text).not.toContain('About to be deleted');
  });

  it('a write to a draft that does not prove it stays one (by _id alone) is public: the safe default', async () => {
    const draft = await makePost({ author, title: 'Draft written by _id' });
    await cached('/');
    changes.seen = [];
    // As a script or another service might: the filter does not say `status`, so the post may have been
    // published since it was read, and the plugin cannot know.
    await Post.updateOne({ _id: draft._id }, { $set: { title: 'Still a draft, but who can tell' } });
    expect(changes.seen).toEqual([{ topic: 'posts', ids: [String(draft._id)], origin: 'local', audience: 'public' }]);
    expect((await request(app).get('/')).headers['x-page-cache']).toBe('miss');
  });

  it('a write whose filter requires a draft but whose update publishes it is public', async () => {
    const draft = await makePost({ author, title: 'Published by a query' });
    await cached('/');
    changes.seen = [];
    await Post.updateOne({ _id: draft._id, status: 'draft' }, { $set: { status: 'published', publishedAt: new Date(Date.now() - 1000) } });
    expect(changes.seen).toEqual([{ topic: 'posts', ids: [String(draft._id)], origin: 'local', audience: 'public' }]);
    const home = await request(app).get('/');
    expect(home.headers['x-page-cache']).toBe('miss');
    expect(home.text).toContain('Published by a query');
  });
});

describe('what proves a write private', () => {
  it('only a filter that requires the value exactly', () => {
    expect(filterRequires({ _id: 'x', status: 'draft' }, 'status', 'draft')).toBe(true);
    expect(filterRequires({ status: { $eq: 'draft' } }, 'status', 'draft')).toBe(true);
    expect(filterRequires({ _id: 'x' }, 'status', 'draft')).toBe(false);
    expect(filterRequires({ status: 'published' }, 'status', 'draft')).toBe(false);
    expect(filterRequires({ status: { $ne: 'published' } }, 'status', 'draft')).toBe(false);
    expect(filterRequires({ status: { $in: ['draft', 'published'] } }, 'status', 'draft')).toBe(false);
    expect(filterRequires({ status: { $eq: 'draft', $ne: 'x' } }, 'status', 'draft')).toBe(false);
  });

  it('only an update that leaves the field alone or sets the same value', () => {
    expect(updateKeeps({ $set: { title: 'x', updatedAt: new Date() }, $inc: { version: 1 } }, 'status', 'draft')).toBe(true);
    expect(updateKeeps({ $set: { status: 'draft', publishedAt: null } }, 'status', 'draft')).toBe(true);
    expect(updateKeeps({ $set: { status: 'published' } }, 'status', 'draft')).toBe(false);
    expect(updateKeeps({ $unset: { status: 1 } }, 'status', 'draft')).toBe(false);
    expect(updateKeeps({ $rename: { status: 'old' } }, 'status', 'draft')).toBe(false);
    // A field renamed onto the private one replaces its value.
    expect(updateKeeps({ $rename: { other: 'status' } }, 'status', 'draft')).toBe(false);
    expect(updateKeeps({ $set: { 'status.x': 'draft' } }, 'status', 'draft')).toBe(false);
    expect(updateKeeps({ status: 'published' }, 'status', 'draft')).toBe(false);
    // A pipeline or a malformed operator cannot be read.
    expect(updateKeeps([{ $set: { status: 'draft' } }], 'status', 'draft')).toBe(false);
    expect(updateKeeps({ $set: 5 }, 'status', 'draft')).toBe(false);
  });
});
