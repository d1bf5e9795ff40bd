// Anonymous visitors may get a post page from the page cache: approving a comment (and anything else that
// changes what they see) must drop it, so the comment appears on the very next anonymous request.
import { pino } from 'pino';
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { testConfig } from '../support/app.js';
import { comment, makeComment, postForm } from '../support/comments.js';
import { makeUser } from '../support/factories.js';
import { makePost } from '../support/posts.js';
import { sessionFor } from '../support/session.js';

const config = testConfig();
const app = createApp({ config, logger: pino({ level: 'silent' }), pageCache: true });

type User = Awaited<ReturnType<typeof makeUser>>;
let author: User, editor: User, reader: User;

beforeAll(async () => {
  [author, editor, reader] = await Promise.all([makeUser({ role: 'author' }), makeUser({ role: 'editor' }), makeUser()]);
});

/** A post page stored in the cache (pages are kept from the second time they are asked for). */
async function cachedPage(slug: string) {
  await request(app).get(`/posts/${slug}`);
  await request(app).get(`/posts/${slug}`);
  const hit = await request(app).get(`/posts/${slug}`);
  expect(hit.headers['x-page-cache']).toBe('hit');
  return hit;
}

describe('the anonymous page cache and comments', () => {
  it('does not change when a comment is held for review, and shows it right after approval', async () => {
    const post = await makePost({ author, status: 'published' });
    await cachedPage(post.slug);
    const res = await comment(app, sessionFor(reader, config), post.slug, 'Cache me if you can');
    const id = res.headers.location!.split('#comment-')[1]!;
    const stillCached = await request(app).get(`/posts/${post.slug}`);
    expect(stillCached.headers['x-page-cache']).toBe('hit');
    expect(stillCached.text).not.toContain('Cache me if you can');

    expect((await postForm(app, sessionFor(editor, config), `/comments/${id}/approve`)).status).toBe(303);
    const after = await request(app).get(`/posts/${post.slug}`);
    expect(after.headers['x-page-cache']).toBe('miss');
    expect(after.text).toContain('Cache me if you can');
  });

  it('drops the cached page when an approved comment is rejected or deleted', async () => {
    const post = await makePost({ author, status: 'published' });
    const a = await makeComment({ post, author: reader, status: 'approved', body: 'Soon rejected' });
    const b = await makeComment({ post, author: reader, status: 'approved', body: 'Soon deleted' });
    expect((await cachedPage(post.slug)).text).toContain('Soon rejected');
    await postForm(app, sessionFor(editor, config), `/comments/${String(a._id)}/reject`);
    expect((await request(app).get(`/posts/${post.slug}`)).text).not.toContain('Soon rejected');
    await cachedPage(post.slug);
    await postForm(app, sessionFor(editor, config), `/comments/${String(b._id)}/delete`);
    expect((await request(app).get(`/posts/${post.slug}`)).text).not.toContain('Soon deleted');
  });

  it('drops the cached page when a trusted author’s comment is published at once', async () => {
    const post = await makePost({ author, status: 'published' });
    await cachedPage(post.slug);
    await comment(app, sessionFor(author, config), post.slug, 'Author replies');
    expect((await request(app).get(`/posts/${post.slug}`)).text).toContain('Author replies');
  });
});
