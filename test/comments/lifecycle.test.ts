// Comments when accounts and posts go: a deleted user's comments stay, shown as "deleted user"; a deleted
// post takes its comments with it; a post given to another author is moderated by them from then on.
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { Comment } from '../../src/comments/comment.model.js';
import { testApp } from '../support/app.js';
import { makeComment, postForm, postPage } from '../support/comments.js';
import { makeUser } from '../support/factories.js';
import { makePost } from '../support/posts.js';
import { sessionFor, type TestSession } from '../support/session.js';

const { app, config } = testApp();

type User = Awaited<ReturnType<typeof makeUser>>;
let admin: User, author: User;

beforeAll(async () => {
  [admin, author] = await Promise.all([makeUser({ role: 'admin' }), makeUser({ role: 'author' })]);
});

const as = (user: User): TestSession => sessionFor(user, config);

describe('deleting a user', () => {
  it('keeps their comments, shown as “deleted user” with the default avatar', async () => {
    const leaver = await makeUser({ role: 'reader', displayName: 'Lena Leaving' });
    const post = await makePost({ author, status: 'published' });
    const c = await makeComment({ post, author: leaver, status: 'approved', body: 'Words that outlive me' });
    const before = await postPage(app, post.slug);
    expect(before.text).toContain('Lena Leaving');

    const res = await postForm(app, as(admin), `/admin/users/${String(leaver._id)}/delete`, { plan: 'delete' });
    expect(res.status).toBe(303);
    expect((await Comment.findById(c._id).lean())?.author).toBeNull();

    const page = await postPage(app, post.slug);
    expect(page.text).toContain('Words that outlive me');
    expect(page.text).toContain('deleted user');
    expect(page.text).not.toContain('Lena Leaving');
    expect(page.text).toContain('Comments (1)');
  });

  it('gives the comments on their posts to the heir to moderate when the posts are reassigned', async () => {
    const departing = await makeUser({ role: 'author' });
    const heir = await makeUser({ role: 'author' });
    const reader = await makeUser();
    const post = await makePost({ author: departing, status: 'published' });
    const c = await makeComment({ post, author: reader, status: 'pending', body: 'Waiting for whoever owns this' });
    await postForm(app, as(admin), `/admin/users/${String(departing._id)}/delete`, { plan: 'reassign', to: String(heir._id) });
    expect(String((await Comment.findById(c._id).lean())?.postAuthor)).toBe(String(heir._id));
    const queue = await request(app).get('/admin/comments').set('Cookie', as(heir).cookie);
    expect(queue.text).toContain('Waiting for whoever owns this');
    expect((await postForm(app, as(heir), `/comments/${String(c._id)}/approve`)).status).toBe(303);
  });

  it('deletes the comments on their posts when their posts are deleted with them', async () => {
    const departing = await makeUser({ role: 'author' });
    const post = await makePost({ author: departing, status: 'published' });
    await makeComment({ post, author: author, status: 'approved' });
    await postForm(app, as(admin), `/admin/users/${String(departing._id)}/delete`, { plan: 'delete' });
    expect(await Comment.countDocuments({ post: post._id })).toBe(0);
  });
});

describe('deleting a post', () => {
  it('deletes its comments', async () => {
    const post = await makePost({ author, status: 'published' });
    await makeComment({ post, author: admin, status: 'approved' });
    await makeComment({ post, author: null, status: 'pending' });
    expect((await postForm(app, as(author), `/posts/${post.slug}/delete`)).status).toBe(303);
    expect(await Comment.countDocuments({ post: post._id })).toBe(0);
  });
});
