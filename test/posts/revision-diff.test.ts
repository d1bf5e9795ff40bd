// Revisions you can read: a word-level diff between a revision and the current text, rendered on the server
// (escaped, <ins>/<del>), with Restore going through the normal save path (version guard, revisions).
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { Post } from '../../src/posts/post.model.js';
import { wordDiff } from '../../src/posts/revision-diff.js';
import { PostRevision } from '../../src/posts/revision.model.js';
import { testApp } from '../support/app.js';
import { makeUser } from '../support/factories.js';
import { makePost } from '../support/posts.js';
import { sessionFor, type TestSession } from '../support/session.js';

const { app, config } = testApp();
type User = Awaited<ReturnType<typeof makeUser>>;
let author: User, s: TestSession;

beforeAll(async () => {
  author = await makeUser({ role: 'author', displayName: 'Ann Author' });
  s = sessionFor(author, config);
});

async function edit(slug: string, fields: Record<string, string>) {
  const post = (await Post.findOne({ slug }).lean())!;
  const res = await request(app).post(`/posts/${slug}/edit`).set('Cookie', s.cookie).type('form').send({ _csrf: s.csrf, intent: 'save', title: post.title, body: post.bodyMarkdown, version: String(post.version), ...fields });
  expect(res.status).toBe(303);
}

describe('wordDiff', () => {
  it('marks words added and removed, keeping the rest', () => {
    expect(wordDiff('The quick brown fox', 'The slow brown fox jumps')).toEqual([
      { kind: 'same', text: 'The ' },
      { kind: 'del', text: 'quick' },
      { kind: 'ins', text: 'slow' },
      { kind: 'same', text: ' brown fox ' },
      { kind: 'ins', text: 'jumps' },
    ]);
  });
});

describe('GET /posts/:slug/revisions/:id', () => {
  it('shows what changed since the revision, word by word, escaped', async () => {
    const post = await makePost({ author, title: 'Diff me', body: 'The quick brown fox.\n\nSecond <b>paragraph</b>.' });
    await edit(post.slug, { title: 'Diff me again', body: 'The slow brown fox.\n\nSecond <script>alert(1)</script> paragraph.' });
    const revision = (await PostRevision.findOne({ post: post._id }).lean())!;
    const res = await request(app).get(`/posts/${post.slug}/revisions/${String(revision._id)}`).set('Cookie', s.cookie);
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toContain('no-store');
    expect(res.text).toContain('Diff me <ins>again</ins>');
    expect(res.text).toContain('The <del>quick</del><ins>slow</ins> brown fox.');
    // Author text is text: the diff escapes it, markup included.
    expect(res.text).toContain('Second &lt;<del>b</del><ins>script</ins>&gt;<del>paragraph</del><ins>alert(1)</ins>&lt;/');
    expect(res.text).not.toContain('<script>alert(1)');
    // The editor links to it.
    const editor = await request(app).get(`/posts/${post.slug}/edit`).set('Cookie', s.cookie);
    expect(editor.text).toContain(`href="/posts/${post.slug}/revisions/${String(revision._id)}"`);
  });

  it("is 403 for another author's post and 404 for a revision of another post", async () => {
    const post = await makePost({ author, title: 'Private history', body: 'one' });
    await edit(post.slug, { body: 'two' });
    const revision = (await PostRevision.findOne({ post: post._id }).lean())!;
    const stranger = sessionFor(await makeUser({ role: 'author' }), config);
    expect((await request(app).get(`/posts/${post.slug}/revisions/${String(revision._id)}`).set('Cookie', stranger.cookie)).status).toBe(403);
    const other = await makePost({ author, title: 'Other post', body: 'x' });
    expect((await request(app).get(`/posts/${other.slug}/revisions/${String(revision._id)}`).set('Cookie', s.cookie)).status).toBe(404);
  });

  it('restores from the diff view through the normal save path: a stale version is 409, a fresh one saves and keeps a revision', async () => {
    const post = await makePost({ author, title: 'Restore me', body: 'Original words.' });
    await edit(post.slug, { body: 'Changed words.' });
    const revision = (await PostRevision.findOne({ post: post._id }).lean())!;
    const page = await request(app).get(`/posts/${post.slug}/revisions/${String(revision._id)}`).set('Cookie', s.cookie);
    const version = /name="version" value="(\d+)"/.exec(page.text)![1]!;
    const action = `/posts/${post.slug}/revisions/${String(revision._id)}/restore`;
    expect(page.text).toContain(`action="${action}"`);
    // Someone saves after the diff page was opened: the restore is refused and nothing is overwritten.
    await edit(post.slug, { body: 'Someone else saved this.' });
    const stale = await request(app).post(action).set('Cookie', s.cookie).type('form').send({ _csrf: s.csrf, version });
    expect(stale.status).toBe(409);
    expect((await Post.findById(post._id).lean())!.bodyMarkdown).toBe('Someone else saved this.');
    const current = (await Post.findById(post._id).lean())!;
    const fresh = await request(app).post(action).set('Cookie', s.cookie).type('form').send({ _csrf: s.csrf, version: String(current.version) });
    expect(fresh.status).toBe(303);
    expect((await Post.findById(post._id).lean())!.bodyMarkdown).toBe('Original words.');
    expect(await PostRevision.exists({ post: post._id, bodyMarkdown: 'Someone else saved this.' })).not.toBeNull();
  });
});
