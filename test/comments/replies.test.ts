// One level of replies: a reply form under each approved top-level comment, replies moderated as comments
// are, a reply to a reply stored under the top-level comment, replies to comments nobody else can see
// refused, replies deleted with their comment; the heading counts what visitors see; and the message after
// posting is shown beside the new comment.
import mongoose from 'mongoose';
import { beforeAll, describe, expect, it } from 'vitest';
import { Comment } from '../../src/comments/comment.model.js';
import { testApp } from '../support/app.js';
import { followRedirect, makeComment, postForm, postPage } from '../support/comments.js';
import { makeUser } from '../support/factories.js';
import { makePost } from '../support/posts.js';
import { sessionFor, type TestSession } from '../support/session.js';

const { app, config } = testApp();

type User = Awaited<ReturnType<typeof makeUser>>;
let author: User, editor: User, reader: User, other: User;
let readerSession: TestSession;

beforeAll(async () => {
  [author, editor, reader, other] = await Promise.all([
    makeUser({ role: 'author' }),
    makeUser({ role: 'editor' }),
    makeUser({ displayName: 'Rita Reader' }),
    makeUser({ displayName: 'Otto Other' }),
  ]);
  readerSession = sessionFor(reader, config);
});

function reply(session: TestSession, slug: string, parent: string, body: string) {
  return postForm(app, session, `/posts/${slug}/comments`, { body, parent });
}

const headingCount = (html: string) => Number(/Comments \((\d+)\)/.exec(html)?.[1]);

describe('replies', () => {
  it('offers a reply form under approved top-level comments only', async () => {
    const post = await makePost({ author, status: 'published' });
    const approved = await makeComment({ post, author: other, body: 'Approved one' });
    const pending = await makeComment({ post, author: other, status: 'pending', body: 'Pending one' });
    const page = await postPage(app, post.slug, sessionFor(editor, config));
    expect(page.text).toContain(`name="parent" value="${String(approved._id)}"`);
    expect(page.text).not.toContain(`name="parent" value="${String(pending._id)}"`);
    // Anonymous visitors get no form at all (they are asked to sign in).
    expect((await postPage(app, post.slug)).text).not.toContain('name="parent"');
  });

  it('holds a reader’s reply for review like a comment, shows it under its comment once approved', async () => {
    const post = await makePost({ author, status: 'published' });
    const top = await makeComment({ post, author: other, body: 'Top-level thought' });
    const res = await reply(readerSession, post.slug, String(top._id), 'A held reply');
    expect(res.status).toBe(303);
    const id = res.headers.location!.split('#comment-')[1]!;
    const stored = await Comment.findById(id).lean();
    expect(stored!.status).toBe('pending');
    expect(String(stored!.parent)).toBe(String(top._id));

    // Not public, not counted; the replier sees it, with the message beside it (not at the top).
    const anonymous = await postPage(app, post.slug);
    expect(anonymous.text).not.toContain('A held reply');
    expect(headingCount(anonymous.text)).toBe(1);
    const mine = await followRedirect(app, res, readerSession);
    const replies = /<ol class="list-unstyled comment-replies[\s\S]*?<\/ol>/.exec(mine.text)?.[0] ?? '';
    expect(replies).toContain('A held reply');
    expect(replies).toContain('awaiting review: only you can see it');
    expect(mine.text.indexOf('awaiting review: only you can see it')).toBeGreaterThan(mine.text.indexOf('id="comments"'));

    expect((await postForm(app, sessionFor(editor, config), `/comments/${id}/approve`)).status).toBe(303);
    const after = await postPage(app, post.slug);
    expect(/<ol class="list-unstyled comment-replies[\s\S]*?<\/ol>/.exec(after.text)?.[0]).toContain('A held reply');
    expect(headingCount(after.text)).toBe(2);
  });

  it('stores a reply to a reply under the top-level comment (one level)', async () => {
    const post = await makePost({ author, status: 'published' });
    const top = await makeComment({ post, author: other, body: 'Top' });
    const first = await Comment.create({ post: post._id, postAuthor: post.author, author: other._id, body: 'First reply', bodyHtml: '<p>First reply</p>', fingerprint: 'f1', status: 'approved', parent: top._id });
    const res = await reply(sessionFor(author, config), post.slug, String(first._id), 'Reply to the reply');
    expect(res.status).toBe(303);
    const stored = await Comment.findById(res.headers.location!.split('#comment-')[1]).lean();
    expect(String(stored!.parent)).toBe(String(top._id));
  });

  it('refuses replies to pending, rejected or unknown comments, and to comments of another post (404)', async () => {
    const post = await makePost({ author, status: 'published' });
    const elsewhere = await makePost({ author, status: 'published' });
    const pending = await makeComment({ post, author: other, status: 'pending' });
    const rejected = await makeComment({ post, author: other, status: 'rejected' });
    const foreign = await makeComment({ post: elsewhere, author: other });
    for (const parent of [pending._id, rejected._id, foreign._id, new mongoose.Types.ObjectId()]) {
      expect((await reply(readerSession, post.slug, String(parent), `Sneaky ${String(parent)}`)).status).toBe(404);
    }
    expect(await Comment.countDocuments({ post: post._id, parent: mongoose.trusted({ $ne: null }) })).toBe(0);
    expect((await reply(readerSession, post.slug, 'not-an-id', 'Bad id')).status).toBe(422);
  });

  it('hides replies when their comment is rejected, and counts only what is shown', async () => {
    const post = await makePost({ author, status: 'published' });
    const top = await makeComment({ post, author: other, body: 'Soon hidden' });
    await Comment.create({ post: post._id, postAuthor: post.author, author: reader._id, body: 'Orphan soon', bodyHtml: '<p>Orphan soon</p>', fingerprint: 'o1', status: 'approved', parent: top._id });
    expect(headingCount((await postPage(app, post.slug)).text)).toBe(2);
    await postForm(app, sessionFor(editor, config), `/comments/${String(top._id)}/reject`);
    const after = await postPage(app, post.slug);
    expect(after.text).not.toContain('Orphan soon');
    expect(headingCount(after.text)).toBe(0);
  });

  it('deletes replies with their comment', async () => {
    const post = await makePost({ author, status: 'published' });
    const top = await makeComment({ post, author: other, body: 'Going away' });
    await Comment.create({ post: post._id, postAuthor: post.author, author: reader._id, body: 'Goes too', bodyHtml: '<p>Goes too</p>', fingerprint: 'g1', status: 'approved', parent: top._id });
    expect((await postForm(app, sessionFor(editor, config), `/comments/${String(top._id)}/delete`)).status).toBe(303);
    expect(await Comment.countDocuments({ parent: top._id })).toBe(0);
  });

  it('keeps a reply’s text in its own form on a 422, not in the main form', async () => {
    const post = await makePost({ author, status: 'published' });
    const top = await makeComment({ post, author: other });
    const res = await reply(readerSession, post.slug, String(top._id), ' '.repeat(3));
    expect(res.status).toBe(422);
    expect(res.text).toMatch(new RegExp(`<details class="comment-reply-form mt-2" open>[\\s\\S]*?name="parent" value="${String(top._id)}"`));
    expect(res.text).toMatch(/id="reply-body-[a-f0-9]+"[^>]*is-invalid|class="form-control is-invalid"[^>]*aria-describedby="reply-body/);
  });
});

describe('the message after posting', () => {
  it('is shown beside the new comment, not at the top of the page', async () => {
    const post = await makePost({ author, status: 'published' });
    const res = await postForm(app, readerSession, `/posts/${post.slug}/comments`, { body: 'Placed message please' });
    const page = await followRedirect(app, res, readerSession);
    const at = page.text.indexOf('awaiting review: only you can see it');
    expect(at).toBeGreaterThan(page.text.indexOf('Placed message please'));
    expect(at).toBeGreaterThan(page.text.indexOf('id="comments"'));
    expect(page.text.split('awaiting review: only you can see it')).toHaveLength(2);
  });

});
