// Who may do what with posts (DESIGN.md's table), and who may see drafts and scheduled posts.
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { Post } from '../../src/posts/post.model.js';
import { testApp } from '../support/app.js';
import { makeUser } from '../support/factories.js';
import { makePost } from '../support/posts.js';
import { anonymousSession, sessionFor, type TestSession } from '../support/session.js';

const { app, config } = testApp();

type User = Awaited<ReturnType<typeof makeUser>>;
let reader: User, author: User, otherAuthor: User, editor: User, admin: User;

beforeAll(async () => {
  [reader, author, otherAuthor, editor, admin] = await Promise.all([
    makeUser({ role: 'reader' }),
    makeUser({ role: 'author' }),
    makeUser({ role: 'author' }),
    makeUser({ role: 'editor' }),
    makeUser({ role: 'admin' }),
  ]);
});

const as = (user: User): TestSession => sessionFor(user, config);

function editForm(post: { title: string; version: number }, s: TestSession, changes: Record<string, string> = {}) {
  return { _csrf: s.csrf, title: post.title, body: 'Changed body', version: String(post.version), ...changes };
}

describe('anonymous visitors', () => {
  it.each(['/dashboard', '/posts/new'])('are sent to sign in from GET %s (303, next kept)', async (path) => {
    const res = await request(app).get(path);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`/signin?next=${encodeURIComponent(path)}`);
  });

  it('are sent to sign in from the edit and delete pages and from every authoring POST', async () => {
    const post = await makePost({ author, status: 'published' });
    for (const path of [`/posts/${post.slug}/edit`, `/posts/${post.slug}/delete`]) {
      const res = await request(app).get(path);
      expect(res.status).toBe(303);
      expect(res.headers.location).toMatch(/^\/signin\?next=/);
    }
    const s = anonymousSession(config);
    for (const path of ['/posts', '/posts/preview', `/posts/${post.slug}/edit`, `/posts/${post.slug}/publish`, `/posts/${post.slug}/unpublish`, `/posts/${post.slug}/delete`]) {
      const res = await request(app).post(path).set('Cookie', s.cookie).type('form').send(editForm(post, s, { title: 'Hijacked' }));
      expect(res.status, path).toBe(303);
      expect(res.headers.location).toMatch(/^\/signin\?next=/);
    }
    const after = await Post.findById(post._id).lean();
    expect(after?.title).toBe(post.title);
    expect(after?.status).toBe('published');
  });
});

describe('readers', () => {
  it('get 403 on the dashboard, the editor and creating posts', async () => {
    const s = as(reader);
    expect((await request(app).get('/dashboard').set('Cookie', s.cookie)).status).toBe(403);
    expect((await request(app).get('/posts/new').set('Cookie', s.cookie)).status).toBe(403);
    const res = await request(app).post('/posts').set('Cookie', s.cookie).type('form').send({ _csrf: s.csrf, title: 'Reader post', body: 'x' });
    expect(res.status).toBe(403);
    expect(await Post.countDocuments({ title: 'Reader post' })).toBe(0);
  });

  it("get 403 on editing, publishing and deleting anyone's post", async () => {
    const post = await makePost({ author });
    const s = as(reader);
    expect((await request(app).get(`/posts/${post.slug}/edit`).set('Cookie', s.cookie)).status).toBe(403);
    for (const path of [`/posts/${post.slug}/edit`, `/posts/${post.slug}/publish`, `/posts/${post.slug}/delete`]) {
      expect((await request(app).post(path).set('Cookie', s.cookie).type('form').send(editForm(post, s))).status).toBe(403);
    }
    expect((await Post.findById(post._id).lean())?.status).toBe('draft');
  });
});

describe('authors', () => {
  it('create posts and manage their own', async () => {
    const s = as(author);
    const created = await request(app).post('/posts').set('Cookie', s.cookie).type('form').send({ _csrf: s.csrf, title: 'Mine', body: 'Text', intent: 'save' });
    expect(created.status).toBe(303);
    const post = (await Post.findOne({ title: 'Mine' }).lean())!;
    expect(String(post.author)).toBe(String(author._id));
    expect((await request(app).get(`/posts/${post.slug}/edit`).set('Cookie', s.cookie)).status).toBe(200);
    expect((await request(app).post(`/posts/${post.slug}/edit`).set('Cookie', s.cookie).type('form').send(editForm(post, s))).status).toBe(303);
    expect((await request(app).post(`/posts/${post.slug}/publish`).set('Cookie', s.cookie).type('form').send({ _csrf: s.csrf })).status).toBe(303);
    expect((await Post.findById(post._id).lean())?.status).toBe('published');
    expect((await request(app).post(`/posts/${post.slug}/delete`).set('Cookie', s.cookie).type('form').send({ _csrf: s.csrf })).status).toBe(303);
    expect(await Post.exists({ _id: post._id })).toBeNull();
  });

  it("get 403 on another author's post: edit page, save, publish, unpublish, delete, restore", async () => {
    const draft = await makePost({ author: otherAuthor, title: 'Not yours' });
    const live = await makePost({ author: otherAuthor, title: 'Not yours either', status: 'published' });
    const s = as(author);
    for (const path of [`/posts/${draft.slug}/edit`, `/posts/${draft.slug}/delete`]) {
      expect((await request(app).get(path).set('Cookie', s.cookie)).status, path).toBe(403);
    }
    const attempts: [string, Record<string, string>][] = [
      [`/posts/${draft.slug}/edit`, editForm(draft, s, { title: 'Taken over' })],
      [`/posts/${draft.slug}/publish`, { _csrf: s.csrf }],
      [`/posts/${live.slug}/unpublish`, { _csrf: s.csrf }],
      [`/posts/${draft.slug}/delete`, { _csrf: s.csrf }],
      [`/posts/${draft.slug}/revisions/0123456789abcdef01234567/restore`, { _csrf: s.csrf, version: String(draft.version) }],
    ];
    for (const [path, body] of attempts) {
      expect((await request(app).post(path).set('Cookie', s.cookie).type('form').send(body)).status, path).toBe(403);
    }
    const [d, l] = await Promise.all([Post.findById(draft._id).lean(), Post.findById(live._id).lean()]);
    expect(d).toMatchObject({ title: 'Not yours', status: 'draft', version: draft.version });
    expect(l).toMatchObject({ status: 'published', version: live.version });
  });

  it('see only their own posts on the dashboard', async () => {
    await makePost({ author, title: 'Dashboard own draft' });
    await makePost({ author: otherAuthor, title: 'Dashboard other draft' });
    const res = await request(app).get('/dashboard').set('Cookie', as(author).cookie);
    expect(res.text).toContain('Dashboard own draft');
    expect(res.text).not.toContain('Dashboard other draft');
  });
});

describe('editors and admins', () => {
  it.each([
    ['editor', () => editor],
    ['admin', () => admin],
  ])("%s edit, publish, unpublish and delete anyone's post, and see everyone's on the dashboard", async (_role, who) => {
    const s = as(who());
    const post = await makePost({ author, title: `For the ${_role}` });
    const dashboard = await request(app).get('/dashboard').set('Cookie', s.cookie);
    expect(dashboard.text).toContain(`For the ${_role}`);
    expect(dashboard.text).toContain(author.displayName);
    expect((await request(app).get(`/posts/${post.slug}/edit`).set('Cookie', s.cookie)).status).toBe(200);
    const saved = await request(app).post(`/posts/${post.slug}/edit`).set('Cookie', s.cookie).type('form').send(editForm(post, s, { title: `Edited by ${_role}` }));
    expect(saved.status).toBe(303);
    expect((await Post.findById(post._id).lean())?.title).toBe(`Edited by ${_role}`);
    const slug = (await Post.findById(post._id).lean())!.slug;
    expect((await request(app).post(`/posts/${slug}/publish`).set('Cookie', s.cookie).type('form').send({ _csrf: s.csrf })).status).toBe(303);
    expect((await Post.findById(post._id).lean())?.status).toBe('published');
    expect((await request(app).post(`/posts/${slug}/unpublish`).set('Cookie', s.cookie).type('form').send({ _csrf: s.csrf })).status).toBe(303);
    expect((await Post.findById(post._id).lean())?.status).toBe('draft');
    expect((await request(app).post(`/posts/${slug}/delete`).set('Cookie', s.cookie).type('form').send({ _csrf: s.csrf })).status).toBe(303);
    expect(await Post.exists({ _id: post._id })).toBeNull();
  });
});

describe('CSRF', () => {
  it('every authoring POST without a token answers 403 and changes nothing', async () => {
    const post = await makePost({ author, title: 'Guarded', status: 'published' });
    const s = as(author);
    const paths = ['/posts', '/posts/preview', `/posts/${post.slug}/edit`, `/posts/${post.slug}/publish`, `/posts/${post.slug}/unpublish`, `/posts/${post.slug}/delete`, `/posts/${post.slug}/revisions/0123456789abcdef01234567/restore`];
    for (const path of paths) {
      const { _csrf: _omit, ...body } = editForm(post, s, { title: 'Forged' });
      expect((await request(app).post(path).set('Cookie', s.cookie).type('form').send(body)).status, path).toBe(403);
      const wrong = await request(app).post(path).set('Cookie', s.cookie).type('form').send({ ...body, _csrf: 'not-the-token' });
      expect(wrong.status, path).toBe(403);
    }
    expect(await Post.countDocuments({ title: 'Forged' })).toBe(0);
    expect(await Post.findById(post._id).lean()).toMatchObject({ title: 'Guarded', status: 'published', version: post.version });
  });
});

describe('drafts and scheduled posts', () => {
  it.each(['draft', 'scheduled'] as const)('a %s post is 404 to anonymous visitors, readers and other authors; visible with a banner to its author, editors and admins', async (status) => {
    const post = await makePost({ author, title: `Secret ${status}`, status });
    const url = `/posts/${post.slug}`;
    expect((await request(app).get(url)).status).toBe(404);
    for (const user of [reader, otherAuthor]) expect((await request(app).get(url).set('Cookie', as(user).cookie)).status).toBe(404);
    for (const user of [author, editor, admin]) {
      const res = await request(app).get(url).set('Cookie', as(user).cookie);
      expect(res.status).toBe(200);
      expect(res.text).toContain(`Secret ${status}`);
      expect(res.text).toContain(status === 'draft' ? '<strong>Draft.</strong>' : '<strong>Scheduled</strong>');
      expect(res.text).toContain('<meta name="robots" content="noindex">');
    }
  });

  it('are left out of every public list: home, tag, author, search, feed, sitemap', async () => {
    const tagged = { tags: ['Hidden Things'], body: 'zebracorn content' };
    const live = await makePost({ author, title: 'Visible zebracorn', status: 'published', ...tagged });
    await makePost({ author, title: 'Draft zebracorn', ...tagged });
    await makePost({ author, title: 'Scheduled zebracorn', status: 'scheduled', ...tagged });
    for (const path of ['/', '/tags/hidden-things', `/authors/${author.username}`, '/search?q=zebracorn', '/feed.xml', '/sitemap.xml']) {
      const res = await request(app).get(path);
      expect(res.status, path).toBe(200);
      // (Search results mark the terms: <mark> is taken out.)
      const text = res.text.replace(/<\/?mark>/g, '');
      expect(text, path).toContain(path === '/sitemap.xml' ? `/posts/${live.slug}` : 'Visible zebracorn');
      expect(text, path).not.toContain('Draft zebracorn');
      expect(text, path).not.toContain('Scheduled zebracorn');
      expect(text, path).not.toContain('draft-zebracorn');
      expect(text, path).not.toContain('scheduled-zebracorn');
    }
  });

  it('an old slug of a draft does not reveal the new one to visitors', async () => {
    const post = await makePost({ author, title: 'Quiet rename' });
    const s = as(author);
    await request(app).post(`/posts/${post.slug}/edit`).set('Cookie', s.cookie).type('form').send(editForm(post, s, { slug: 'quiet-rename-2026' }));
    expect((await request(app).get(`/posts/${post.slug}`)).status).toBe(404);
    const own = await request(app).get(`/posts/${post.slug}`).set('Cookie', s.cookie);
    expect(own.status).toBe(301);
    expect(own.headers.location).toBe('/posts/quiet-rename-2026');
  });
});
