// Commenters edit and delete their own comments within 15 minutes of writing them, and nobody else's.
// An approved comment by someone not yet trusted goes back to review when edited.
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { AuditEntry } from '../../src/site/audit.model.js';
import { Comment } from '../../src/comments/comment.model.js';
import { Post } from '../../src/posts/post.model.js';
import { testApp } from '../support/app.js';
import { ageComment, comment, followRedirect, makeComment, postForm, postPage } from '../support/comments.js';
import { makeUser } from '../support/factories.js';
import { makePost } from '../support/posts.js';
import { sessionFor, type TestSession } from '../support/session.js';

const { app, config } = testApp();

type User = Awaited<ReturnType<typeof makeUser>>;
let author: User, reader: User, otherReader: User;

beforeAll(async () => {
  [author, reader, otherReader] = await Promise.all([
    makeUser({ role: 'author' }),
    makeUser({ role: 'reader', displayName: 'Wanda Writer' }),
    makeUser({ role: 'reader' }),
  ]);
});

const as = (user: User): TestSession => sessionFor(user, config);
const published = () => makePost({ author, status: 'published' });

describe('editing one’s own comment', () => {
  it('offers an edit form for a fresh own comment, and saves the change marked as edited', async () => {
    const post = await published();
    const c = await makeComment({ post, author: reader, status: 'pending', body: 'Frist!' });
    const page = await postPage(app, post.slug, as(reader));
    expect(page.text).toContain(`action="/comments/${String(c._id)}/edit"`);
    expect(page.text).toContain(`action="/comments/${String(c._id)}/delete"`);
    expect(page.text).toContain('You can edit or delete this comment until');

    const res = await postForm(app, as(reader), `/comments/${String(c._id)}/edit`, { body: 'First!' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`/posts/${post.slug}#comment-${String(c._id)}`);
    const saved = await Comment.findById(c._id).lean();
    expect(saved?.body).toBe('First!');
    expect(saved?.bodyHtml).toBe('<p>First!</p>');
    expect(saved?.editedAt).toBeInstanceOf(Date);
    expect((await postPage(app, post.slug, as(reader))).text).toContain('(edited)');
  });

  it('refuses after 15 minutes (403), and the page no longer offers it', async () => {
    const post = await published();
    const c = await makeComment({ post, author: reader, status: 'approved', body: 'Written a while ago' });
    await ageComment(c._id, 16);
    const res = await postForm(app, as(reader), `/comments/${String(c._id)}/edit`, { body: 'Rewritten history' });
    expect(res.status).toBe(403);
    expect((await Comment.findById(c._id).lean())?.body).toBe('Written a while ago');
    const page = await postPage(app, post.slug, as(reader));
    expect(page.text).not.toContain(`action="/comments/${String(c._id)}/edit"`);
    expect(page.text).not.toContain(`action="/comments/${String(c._id)}/delete"`);
  });

  it('refuses someone else’s comment (403), even a moderator’s attempt to edit', async () => {
    const post = await published();
    const c = await makeComment({ post, author: reader, status: 'approved', body: 'Mine, not yours' });
    for (const who of [otherReader, author]) {
      expect((await postForm(app, as(who), `/comments/${String(c._id)}/edit`, { body: 'Changed by someone else' })).status).toBe(403);
    }
    expect((await Comment.findById(c._id).lean())?.body).toBe('Mine, not yours');
    expect((await postPage(app, post.slug, as(otherReader))).text).not.toContain(`action="/comments/${String(c._id)}/edit"`);
  });

  it('puts an approved comment by an untrusted reader back into review when edited', async () => {
    const post = await published();
    const c = await makeComment({ post, author: reader, status: 'approved', body: 'Nice and harmless' });
    const res = await postForm(app, as(reader), `/comments/${String(c._id)}/edit`, { body: 'Buy cheap pills at http://spam.example' });
    expect((await followRedirect(app, res, as(reader))).text).toContain('It is awaiting review again.');
    expect((await Comment.findById(c._id).lean())?.status).toBe('pending');
    const anonymous = await postPage(app, post.slug);
    expect(anonymous.text).not.toContain('cheap pills');
    expect(anonymous.text).not.toContain('Nice and harmless');
  });

  it('keeps an approved comment by a trusted author approved when edited', async () => {
    const post = await published();
    const c = await makeComment({ post, author, status: 'approved', body: 'Author’s note' });
    await postForm(app, as(author), `/comments/${String(c._id)}/edit`, { body: 'Author’s corrected note' });
    expect((await Comment.findById(c._id).lean())?.status).toBe('approved');
    expect((await postPage(app, post.slug)).text).toContain('Author’s corrected note');
  });

  it('shows the edit form again with the input kept on invalid text (422)', async () => {
    const post = await published();
    const c = await makeComment({ post, author: reader, status: 'pending', body: 'Short and sweet' });
    const res = await postForm(app, as(reader), `/comments/${String(c._id)}/edit`, { body: 'x'.repeat(5001) });
    expect(res.status).toBe(422);
    expect(res.text).toMatch(new RegExp(`<details class="comment-edit[^"]*" open>`));
    expect(res.text).toContain(`id="edit-body-${String(c._id)}-error"`);
    expect(res.text).toContain('x'.repeat(5001));
    expect((await Comment.findById(c._id).lean())?.body).toBe('Short and sweet');
  });

  it('refuses edits while comments are closed on the post (403)', async () => {
    const post = await published();
    const c = await makeComment({ post, author: reader, status: 'pending', body: 'Before closing' });
    await Post.updateOne({ _id: post._id }, { $set: { commentsEnabled: false } });
    expect((await postForm(app, as(reader), `/comments/${String(c._id)}/edit`, { body: 'After closing' })).status).toBe(403);
    expect((await Comment.findById(c._id).lean())?.body).toBe('Before closing');
  });
});

describe('deleting one’s own comment', () => {
  it('works within 15 minutes, without an audit entry (it is the writer’s own)', async () => {
    const post = await published();
    const writer = await makeUser({ role: 'reader' });
    const created = await comment(app, as(writer), post.slug, 'Oops, wrong post');
    expect(created.status).toBe(303);
    const id = created.headers.location!.split('#comment-')[1]!;
    const res = await postForm(app, as(writer), `/comments/${id}/delete`);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`/posts/${post.slug}#comments`);
    expect(await Comment.exists({ _id: id })).toBeNull();
    expect(await AuditEntry.exists({ targetId: id })).toBeNull();
  });

  it('is refused after 15 minutes (403)', async () => {
    const post = await published();
    const c = await makeComment({ post, author: reader, status: 'approved' });
    await ageComment(c._id, 16);
    expect((await postForm(app, as(reader), `/comments/${String(c._id)}/delete`)).status).toBe(403);
    expect(await Comment.exists({ _id: c._id })).not.toBeNull();
  });

  it('is refused for someone else’s comment, fresh or not (403)', async () => {
    const post = await published();
    const c = await makeComment({ post, author: reader, status: 'approved' });
    expect((await postForm(app, as(otherReader), `/comments/${String(c._id)}/delete`)).status).toBe(403);
    expect(await Comment.exists({ _id: c._id })).not.toBeNull();
  });

  it('lets the post’s moderators delete at any time', async () => {
    const post = await published();
    const c = await makeComment({ post, author: reader, status: 'approved' });
    await ageComment(c._id, 60 * 24);
    const page = await postPage(app, post.slug, as(author));
    expect(page.text).toContain(`action="/comments/${String(c._id)}/delete"`);
    expect((await postForm(app, as(author), `/comments/${String(c._id)}/delete`)).status).toBe(303);
    expect(await Comment.exists({ _id: c._id })).toBeNull();
    expect(await AuditEntry.exists({ action: 'comment.delete', targetId: String(c._id) })).not.toBeNull();
  });

  it('needs a CSRF token', async () => {
    const post = await published();
    const c = await makeComment({ post, author: reader, status: 'approved' });
    const res = await request(app).post(`/comments/${String(c._id)}/delete`).set('Cookie', as(reader).cookie).type('form').send({});
    expect(res.status).toBe(403);
    expect(await Comment.exists({ _id: c._id })).not.toBeNull();
  });
});
