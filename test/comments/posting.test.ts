// Writing comments: who may (signed in, active, on published posts only, with a CSRF token), which comments
// are held for review (everyone's until they are trusted) and who sees a pending comment (its author and
// the post's moderators, nobody else).
import mongoose from 'mongoose';
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { Comment } from '../../src/comments/comment.model.js';
import { testApp } from '../support/app.js';
import { comment, followRedirect, makeComment, postPage } from '../support/comments.js';
import { makeUser } from '../support/factories.js';
import { makePost } from '../support/posts.js';
import { anonymousSession, sessionFor, type TestSession } from '../support/session.js';

const { app, config } = testApp();

type User = Awaited<ReturnType<typeof makeUser>>;
let author: User, reader: User, otherReader: User;

beforeAll(async () => {
  [author, reader, otherReader] = await Promise.all([
    makeUser({ role: 'author', displayName: 'Olive Author' }),
    makeUser({ role: 'reader', displayName: 'Rita Reader' }),
    makeUser({ role: 'reader', displayName: 'Otto Other' }),
  ]);
});

const as = (user: User): TestSession => sessionFor(user, config);
const published = () => makePost({ author, status: 'published' });

describe('who may comment', () => {
  it('sends anonymous visitors to sign in, then back to the post’s comments, and stores nothing', async () => {
    const post = await published();
    const res = await comment(app, anonymousSession(config), post.slug, 'Hello from nobody');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`/signin?next=${encodeURIComponent(`/posts/${post.slug}#comments`)}`);
    expect(await Comment.countDocuments({ post: post._id })).toBe(0);
  });

  it('shows anonymous visitors a sign-in link instead of the form (and no CSRF token on the page)', async () => {
    const post = await published();
    const page = await postPage(app, post.slug);
    expect(page.text).toContain('Sign in to comment');
    expect(page.text).toContain(`/signin?next=${encodeURIComponent(`/posts/${post.slug}#comments`)}`);
    expect(page.text).not.toContain(`action="/posts/${post.slug}/comments"`);
    expect(page.text).not.toContain('name="_csrf"');
    expect(page.headers['set-cookie']).toBeUndefined();
  });

  it('shows signed-in users the form', async () => {
    const post = await published();
    const page = await postPage(app, post.slug, as(reader));
    expect(page.text).toContain(`action="/posts/${post.slug}/comments"`);
    expect(page.text).toMatch(/<label[^>]*for="comment-body"/);
    expect(page.text).toMatch(/<textarea id="comment-body" name="body"[^>]*maxlength="5000"/);
  });

  it('refuses a comment without a CSRF token (403)', async () => {
    const post = await published();
    const s = as(reader);
    const res = await request(app).post(`/posts/${post.slug}/comments`).set('Cookie', s.cookie).type('form').send({ body: 'No token' });
    expect(res.status).toBe(403);
    const wrong = await request(app).post(`/posts/${post.slug}/comments`).set('Cookie', s.cookie).type('form').send({ body: 'Bad token', _csrf: 'x'.repeat(43) });
    expect(wrong.status).toBe(403);
    expect(await Comment.countDocuments({ post: post._id })).toBe(0);
  });

  it('treats a suspended user’s session as signed out: 303 to sign in, nothing stored', async () => {
    const suspended = await makeUser({ role: 'reader', status: 'suspended' });
    const post = await published();
    const res = await comment(app, as(suspended), post.slug, 'Let me in');
    expect(res.status).toBe(303);
    expect(res.headers.location).toMatch(/^\/signin\?next=/);
    expect(await Comment.countDocuments({ author: suspended._id })).toBe(0);
  });

  it('answers 404 for drafts, scheduled posts and unknown posts, even for their author', async () => {
    const draft = await makePost({ author, status: 'draft' });
    const scheduled = await makePost({ author, status: 'scheduled' });
    for (const slug of [draft.slug, scheduled.slug, 'no-such-post']) {
      expect((await comment(app, as(reader), slug, 'Early bird')).status, slug).toBe(404);
      expect((await comment(app, as(author), slug, 'Early bird')).status, slug).toBe(404);
    }
    expect(await Comment.countDocuments({ post: mongoose.trusted({ $in: [draft._id, scheduled._id] }) })).toBe(0);
  });

  it('does not show a comments section on a draft its author previews', async () => {
    const draft = await makePost({ author, status: 'draft' });
    const page = await postPage(app, draft.slug, as(author));
    expect(page.status).toBe(200);
    expect(page.text).not.toContain('id="comments"');
  });
});

describe('validation', () => {
  it('refuses an empty comment and one over 5,000 characters with 422, the post page shown with the input kept', async () => {
    const post = await published();
    const empty = await comment(app, as(reader), post.slug, '   \n  ');
    expect(empty.status).toBe(422);
    expect(empty.text).toContain('Write something first.');
    expect(empty.text).toContain(post.title);

    const long = 'Long words '.repeat(460).trim() + '!'; // 5,060 characters
    const tooLong = await comment(app, as(reader), post.slug, long);
    expect(tooLong.status).toBe(422);
    expect(tooLong.text).toContain('Comments are limited to 5,000 characters.');
    expect(tooLong.text).toContain('Long words Long words');
    expect(tooLong.text).toMatch(/<textarea id="comment-body"[^>]*is-invalid/);
    expect(await Comment.countDocuments({ post: post._id })).toBe(0);
  });

  it('accepts exactly 5,000 characters after trimming', async () => {
    const post = await published();
    const res = await comment(app, as(reader), post.slug, `  ${'a'.repeat(5000)}  `);
    expect(res.status).toBe(303);
    const saved = await Comment.findOne({ post: post._id }).lean();
    expect(saved?.body).toHaveLength(5000);
  });
});

describe('review before publication', () => {
  it('holds a reader’s comment: visible to its author as awaiting review, not to others or anonymous visitors', async () => {
    const post = await published();
    const res = await comment(app, as(reader), post.slug, 'My first thoughts on this');
    expect(res.status).toBe(303);
    expect(res.headers.location).toMatch(new RegExp(`^/posts/${post.slug}#comment-[a-f0-9]{24}$`));
    const saved = await Comment.findOne({ post: post._id }).lean();
    expect(saved?.status).toBe('pending');
    expect(String(saved?.postAuthor)).toBe(String(author._id));

    const own = await followRedirect(app, res, as(reader));
    expect(own.text).toContain('awaiting review');
    expect(own.text).toContain('My first thoughts on this');
    expect(own.text).toContain('Awaiting review');
    expect(own.text).toContain('Comments (0)');

    for (const session of [null, as(otherReader)]) {
      const page = await postPage(app, post.slug, session);
      expect(page.text).not.toContain('My first thoughts on this');
      expect(page.text).toContain('Comments (0)');
    }
  });

  it('shows pending comments to the post’s moderators, marked, with approve and reject buttons', async () => {
    const post = await published();
    const pending = await makeComment({ post, author: reader, status: 'pending', body: 'Please review me' });
    const page = await postPage(app, post.slug, as(author));
    expect(page.text).toContain('Please review me');
    expect(page.text).toContain('Awaiting review');
    expect(page.text).toContain(`action="/comments/${String(pending._id)}/approve"`);
    expect(page.text).toContain(`action="/comments/${String(pending._id)}/reject"`);
  });

  it.each(['author', 'editor', 'admin'] as const)('publishes a comment by an %s at once', async (role) => {
    const post = await published();
    const writer = await makeUser({ role, displayName: `Trusted ${role}` });
    const res = await comment(app, as(writer), post.slug, `Straight through from an ${role}`);
    expect(res.status).toBe(303);
    expect((await Comment.findOne({ author: writer._id }).lean())?.status).toBe('approved');
    const page = await postPage(app, post.slug);
    expect(page.text).toContain(`Straight through from an ${role}`);
    expect(page.text).toContain('Comments (1)');
  });

  it('trusts a reader once three of their comments were approved (two are not enough, rejected ones do not count)', async () => {
    const regular = await makeUser({ role: 'reader' });
    // Written long ago: these must not count against the rate limit.
    const lastWeek = new Date(Date.now() - 7 * 86_400_000);
    const old = await published();
    await makeComment({ post: old, author: regular, status: 'approved', createdAt: lastWeek });
    await makeComment({ post: old, author: regular, status: 'approved', createdAt: lastWeek });
    await makeComment({ post: old, author: regular, status: 'rejected', createdAt: lastWeek });
    const post = await published();
    await comment(app, as(regular), post.slug, 'Still held back');
    expect((await Comment.findOne({ author: regular._id, body: 'Still held back' }).lean())?.status).toBe('pending');

    await makeComment({ post: old, author: regular, status: 'approved', createdAt: lastWeek });
    await comment(app, as(regular), post.slug, 'Now I am trusted');
    expect((await Comment.findOne({ author: regular._id, body: 'Now I am trusted' }).lean())?.status).toBe('approved');
    expect((await postPage(app, post.slug)).text).toContain('Now I am trusted');
  });

  it('never shows rejected comments, not even to their author', async () => {
    const post = await published();
    await makeComment({ post, author: reader, status: 'rejected', body: 'Rejected words' });
    for (const session of [null, as(reader), as(author)]) {
      expect((await postPage(app, post.slug, session)).text).not.toContain('Rejected words');
    }
  });

  it('lists approved comments oldest first, with name, avatar and date', async () => {
    const post = await published();
    await makeComment({ post, author: otherReader, body: 'Second in line', createdAt: new Date(Date.now() - 60_000) });
    await makeComment({ post, author: reader, body: 'First in line', createdAt: new Date(Date.now() - 120_000) });
    const page = await postPage(app, post.slug);
    expect(page.text.indexOf('First in line')).toBeLessThan(page.text.indexOf('Second in line'));
    expect(page.text).toContain('Rita Reader');
    expect(page.text).toContain('Otto Other');
    expect(page.text).toContain('Comments (2)');
    expect(page.text).toMatch(/<img src="\/public\/img\/avatar-default\.svg" alt="" width="40" height="40"/);
    expect(page.text).toMatch(/<time datetime="\d{4}-\d{2}-\d{2}T[^"]+Z">/);
  });
});
