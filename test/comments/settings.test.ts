// Comments can be turned off site-wide (/admin/settings) and per post (the editor's "Allow comments"
// switch). Off means: no new comments (403), the form replaced by "Comments are closed", approved comments
// still shown.
import request from 'supertest';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { getSettings, saveSettings } from '../../src/site/settings.service.js';
import { Comment } from '../../src/comments/comment.model.js';
import { Post } from '../../src/posts/post.model.js';
import { testApp } from '../support/app.js';
import { comment, makeComment, postForm, postPage } from '../support/comments.js';
import { makeUser } from '../support/factories.js';
import { makePost } from '../support/posts.js';
import { sessionFor, type TestSession } from '../support/session.js';

const { app, config } = testApp();

type User = Awaited<ReturnType<typeof makeUser>>;
let author: User, reader: User, admin: User;

beforeAll(async () => {
  [author, reader, admin] = await Promise.all([makeUser({ role: 'author' }), makeUser({ role: 'reader' }), makeUser({ role: 'admin' })]);
});

afterEach(async () => {
  await saveSettings({ ...(await getSettings()), commentsEnabled: true });
});

const as = (user: User): TestSession => sessionFor(user, config);

async function settingsForm(s: TestSession, commentsEnabled: boolean) {
  const site = await getSettings();
  return postForm(app, s, '/admin/settings', {
    title: site.title,
    tagline: site.tagline,
    description: site.description,
    postsPerPage: String(site.postsPerPage),
    ...(site.signupOpen ? { signupOpen: 'on' } : {}),
    ...(commentsEnabled ? { commentsEnabled: 'on' } : {}),
  });
}

describe('site-wide', () => {
  it('turned off in /admin/settings: 403 on new comments, the form replaced, approved comments still shown', async () => {
    const post = await makePost({ author, status: 'published' });
    await makeComment({ post, author: reader, status: 'approved', body: 'Said before closing' });
    expect((await settingsForm(as(admin), false)).status).toBe(303);
    expect((await getSettings()).commentsEnabled).toBe(false);

    const res = await comment(app, as(reader), post.slug, 'Too late');
    expect(res.status).toBe(403);
    expect(res.text).toContain('Comments are closed on this site.');
    expect(await Comment.countDocuments({ body: 'Too late' })).toBe(0);

    for (const session of [null, as(reader)]) {
      const page = await postPage(app, post.slug, session);
      expect(page.text).toContain('Comments are closed.');
      expect(page.text).toContain('Said before closing');
      expect(page.text).not.toContain(`action="/posts/${post.slug}/comments"`);
      expect(page.text).not.toContain('Sign in to comment');
    }

    await settingsForm(as(admin), true);
    expect((await comment(app, as(reader), post.slug, 'Open again')).status).toBe(303);
  });
});

describe('per post', () => {
  it('is on for new posts, and the editor shows the switch ticked', async () => {
    const s = as(author);
    const form = await request(app).get('/posts/new').set('Cookie', s.cookie);
    expect(form.text).toMatch(/name="commentsEnabled" value="on" checked/);
    const created = await postForm(app, s, '/posts', { title: 'Open for talk', body: 'Body', commentsEnabled: 'on', intent: 'publish' });
    expect(created.status).toBe(303);
    expect((await Post.findOne({ title: 'Open for talk' }).lean())?.commentsEnabled).toBe(true);
  });

  it('turned off in the editor: 403 on new comments and “Comments are closed” on the page', async () => {
    const s = as(author);
    const post = await makePost({ author, status: 'published', title: 'Quiet post' });
    await makeComment({ post, author: reader, status: 'approved', body: 'An early word' });
    const saved = await postForm(app, s, `/posts/${post.slug}/edit`, { title: post.title, body: 'Body', version: String(post.version) });
    expect(saved.status).toBe(303);
    expect((await Post.findById(post._id).lean())?.commentsEnabled).toBe(false);
    const editor = await request(app).get(`/posts/${post.slug}/edit`).set('Cookie', s.cookie);
    expect(editor.text).toMatch(/name="commentsEnabled" value="on" aria-describedby/);

    const res = await comment(app, as(reader), post.slug, 'Hello?');
    expect(res.status).toBe(403);
    expect(res.text).toContain('Comments are closed on this post.');
    const page = await postPage(app, post.slug, as(reader));
    expect(page.text).toContain('Comments are closed.');
    expect(page.text).toContain('An early word');
    expect(page.text).not.toContain(`action="/posts/${post.slug}/comments"`);

    const current = (await Post.findById(post._id).lean())!;
    await postForm(app, s, `/posts/${post.slug}/edit`, { title: post.title, body: 'Body', version: String(current.version), commentsEnabled: 'on' });
    expect((await comment(app, as(reader), post.slug, 'Hello again')).status).toBe(303);
  });

  it('treats posts saved before the switch existed as open', async () => {
    const post = await makePost({ author, status: 'published' });
    await Post.collection.updateOne({ _id: post._id }, { $unset: { commentsEnabled: 1 } });
    expect((await comment(app, as(reader), post.slug, 'Old post, open door')).status).toBe(303);
  });
});
