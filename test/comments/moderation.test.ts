// Moderation: the post's author, editors and admins approve, reject and delete (everyone else 403), each
// decision audited; the queue at /admin/comments with its scopes and bulk actions (delete asks first);
// pending counts on the dashboards.
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { AuditEntry } from '../../src/site/audit.model.js';
import { Comment } from '../../src/comments/comment.model.js';
import { testApp } from '../support/app.js';
import { followRedirect, makeComment, postForm, postPage } from '../support/comments.js';
import { makeUser } from '../support/factories.js';
import { makePost } from '../support/posts.js';
import { anonymousSession, sessionFor, type TestSession } from '../support/session.js';

const { app, config } = testApp();

type User = Awaited<ReturnType<typeof makeUser>>;
let postAuthor: User, otherAuthor: User, editor: User, admin: User, reader: User;

beforeAll(async () => {
  [postAuthor, otherAuthor, editor, admin, reader] = await Promise.all([
    makeUser({ role: 'author', displayName: 'Paula Postauthor' }),
    makeUser({ role: 'author', displayName: 'Oscar Otherauthor' }),
    makeUser({ role: 'editor', displayName: 'Edna Editor' }),
    makeUser({ role: 'admin', displayName: 'Ada Admin' }),
    makeUser({ role: 'reader', displayName: 'Rex Reader' }),
  ]);
});

const as = (user: User): TestSession => sessionFor(user, config);
const published = (author: User = postAuthor) => makePost({ author, status: 'published' });
const statusOf = async (id: unknown) => (await Comment.findById(id).lean())?.status;
const lastAudit = (action: string, id: unknown) => AuditEntry.findOne({ action, targetId: String(id) }).sort({ at: -1, _id: -1 }).lean();

describe('who may moderate', () => {
  it.each([
    ['the post’s author', () => postAuthor],
    ['an editor', () => editor],
    ['an admin', () => admin],
  ])('%s approves, rejects and deletes', async (_label, who) => {
    const post = await published();
    const c = await makeComment({ post, author: reader, status: 'pending' });
    const s = as(who());
    expect((await postForm(app, s, `/comments/${String(c._id)}/approve`)).status).toBe(303);
    expect(await statusOf(c._id)).toBe('approved');
    expect((await postForm(app, s, `/comments/${String(c._id)}/reject`)).status).toBe(303);
    expect(await statusOf(c._id)).toBe('rejected');
    expect((await postForm(app, s, `/comments/${String(c._id)}/delete`)).status).toBe(303);
    expect(await Comment.exists({ _id: c._id })).toBeNull();
  });

  it.each([
    ['another author', () => otherAuthor],
    ['a reader', () => reader],
  ])('%s gets 403 on approve, reject and delete, and nothing changes', async (_label, who) => {
    const post = await published();
    const c = await makeComment({ post, author: reader, status: 'pending', createdAt: new Date(Date.now() - 3_600_000) });
    const s = as(who());
    for (const action of ['approve', 'reject', 'delete']) {
      expect((await postForm(app, s, `/comments/${String(c._id)}/${action}`)).status, action).toBe(403);
    }
    expect(await statusOf(c._id)).toBe('pending');
  });

  it('sends anonymous visitors to sign in and requires a CSRF token', async () => {
    const post = await published();
    const c = await makeComment({ post, author: reader, status: 'pending' });
    const anonymous = await postForm(app, anonymousSession(config), `/comments/${String(c._id)}/approve`);
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.location).toMatch(/^\/signin\?next=/);
    const noToken = await request(app).post(`/comments/${String(c._id)}/approve`).set('Cookie', as(editor).cookie).type('form').send({});
    expect(noToken.status).toBe(403);
    expect(await statusOf(c._id)).toBe('pending');
  });

  it('answers 404 for an unknown or malformed comment id', async () => {
    expect((await postForm(app, as(editor), '/comments/0123456789abcdef01234567/approve')).status).toBe(404);
    expect((await postForm(app, as(editor), '/comments/not-an-id/approve')).status).toBe(404);
  });
});

describe('what moderation changes', () => {
  it('approving makes a comment public; rejecting hides it again', async () => {
    const post = await published();
    const c = await makeComment({ post, author: reader, status: 'pending', body: 'Hold me for a moment' });
    expect((await postPage(app, post.slug)).text).not.toContain('Hold me for a moment');

    const approved = await postForm(app, as(editor), `/comments/${String(c._id)}/approve`);
    expect(approved.headers.location).toBe(`/posts/${post.slug}#comment-${String(c._id)}`);
    expect((await followRedirect(app, approved, as(editor))).text).toContain('Comment approved.');
    const page = await postPage(app, post.slug);
    expect(page.text).toContain('Hold me for a moment');
    expect(page.text).toContain('Comments (1)');

    await postForm(app, as(editor), `/comments/${String(c._id)}/reject`);
    const after = await postPage(app, post.slug);
    expect(after.text).not.toContain('Hold me for a moment');
    expect(after.text).toContain('Comments (0)');
  });

  it('a decision made on what the page showed is not applied over another moderator’s made since', async () => {
    const post = await published();
    const c = await makeComment({ post, author: reader, status: 'pending' });
    // Both had the post page open with the comment pending; the editor approves first.
    expect((await postForm(app, as(editor), `/comments/${String(c._id)}/approve`, { seen: 'pending' })).status).toBe(303);
    const late = await postForm(app, as(admin), `/comments/${String(c._id)}/reject`, { seen: 'pending' });
    expect(late.status).toBe(303);
    expect(await statusOf(c._id)).toBe('approved');
    expect((await followRedirect(app, late, as(admin))).text).toContain('Someone decided first: that comment is now approved. Nothing was changed.');
    // Decided on what it is now, it applies (hiding an approved comment).
    expect((await postForm(app, as(admin), `/comments/${String(c._id)}/reject`, { seen: 'approved' })).status).toBe(303);
    expect(await statusOf(c._id)).toBe('rejected');
    // The forms carry what they showed.
    expect((await postForm(app, as(admin), `/comments/${String(c._id)}/approve`, { seen: 'rejected' })).status).toBe(303);
    expect((await postPage(app, post.slug, as(admin))).text).toContain('<input type="hidden" name="seen" value="approved">');
  });

  it('deleting removes an approved comment from the page', async () => {
    const post = await published();
    const c = await makeComment({ post, author: reader, status: 'approved', body: 'Delete me later' });
    expect((await postPage(app, post.slug)).text).toContain('Delete me later');
    const res = await postForm(app, as(postAuthor), `/comments/${String(c._id)}/delete`, { back: `/posts/${post.slug}#comments` });
    expect(res.headers.location).toBe(`/posts/${post.slug}#comments`);
    expect((await postPage(app, post.slug)).text).not.toContain('Delete me later');
  });

  it('ignores a return address that is not the queue or a post page', async () => {
    const post = await published();
    const c = await makeComment({ post, author: reader, status: 'pending' });
    const res = await postForm(app, as(editor), `/comments/${String(c._id)}/approve`, { back: '//evil.example/x' });
    expect(res.headers.location).toBe(`/posts/${post.slug}#comment-${String(c._id)}`);
  });

  it('records approve, reject and delete in the audit log with actor, comment and address', async () => {
    const post = await published();
    const c = await makeComment({ post, author: reader, status: 'pending', body: 'Audit this comment please' });
    const id = String(c._id);
    await postForm(app, as(editor), `/comments/${id}/approve`);
    await postForm(app, as(editor), `/comments/${id}/reject`);
    await postForm(app, as(admin), `/comments/${id}/delete`);
    const approve = await lastAudit('comment.approve', id);
    expect(approve?.actorName).toBe('Edna Editor');
    expect(approve?.targetType).toBe('comment');
    expect(approve?.targetLabel).toContain('Rex Reader');
    expect(approve?.targetLabel).toContain(post.title);
    expect(approve?.detail).toContain('pending -> approved');
    expect(approve?.detail).toContain('Audit this comment please');
    expect(approve?.ip).toBeTruthy();
    expect((await lastAudit('comment.reject', id))?.detail).toContain('approved -> rejected');
    const deleted = await lastAudit('comment.delete', id);
    expect(deleted?.actorName).toBe('Ada Admin');
    expect(deleted?.detail).toContain('was rejected');
  });

  it('does not audit a decision that changes nothing', async () => {
    const post = await published();
    const c = await makeComment({ post, author: reader, status: 'approved' });
    const res = await postForm(app, as(editor), `/comments/${String(c._id)}/approve`);
    expect((await followRedirect(app, res, as(editor))).text).toContain('already approved');
    expect(await lastAudit('comment.approve', c._id)).toBeNull();
  });
});

describe('the queue at /admin/comments', () => {
  it('lists pending comments for editors, oldest first, with the post and filters by status', async () => {
    const post = await published(otherAuthor);
    await makeComment({ post, author: reader, status: 'pending', body: 'Queue item newer', createdAt: new Date(Date.now() - 60_000) });
    await makeComment({ post, author: reader, status: 'pending', body: 'Queue item older', createdAt: new Date(Date.now() - 120_000) });
    await makeComment({ post, author: reader, status: 'approved', body: 'Queue item approved' });
    const res = await request(app).get('/admin/comments').set('Cookie', as(editor).cookie);
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.text.indexOf('Queue item older')).toBeLessThan(res.text.indexOf('Queue item newer'));
    expect(res.text).not.toContain('Queue item approved');
    expect(res.text).toContain(post.title);
    const approved = await request(app).get('/admin/comments?status=approved').set('Cookie', as(editor).cookie);
    expect(approved.text).toContain('Queue item approved');
    expect(approved.text).not.toContain('Queue item older');
  });

  it('shows authors only the comments on their own posts', async () => {
    const mine = await published(postAuthor);
    const theirs = await published(otherAuthor);
    await makeComment({ post: mine, author: reader, status: 'pending', body: 'On Paula’s post' });
    await makeComment({ post: theirs, author: reader, status: 'pending', body: 'On Oscar’s post' });
    const res = await request(app).get('/admin/comments').set('Cookie', as(postAuthor).cookie);
    expect(res.status).toBe(200);
    expect(res.text).toContain('On Paula’s post');
    expect(res.text).not.toContain('On Oscar’s post');
    expect(res.text).toContain('On your posts');
    expect(res.text).toContain('href="/admin/comments"');
    expect(res.text).not.toContain('href="/admin/posts"');
  });

  it('is closed to readers (403) and anonymous visitors (sign in)', async () => {
    expect((await request(app).get('/admin/comments').set('Cookie', as(reader).cookie)).status).toBe(403);
    const anonymous = await request(app).get('/admin/comments');
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.location).toBe('/signin?next=%2Fadmin%2Fcomments');
  });

  it('approves and rejects in bulk, skipping comments that are not the actor’s to moderate', async () => {
    const mine = await published(postAuthor);
    const theirs = await published(otherAuthor);
    const a = await makeComment({ post: mine, author: reader, status: 'pending' });
    const b = await makeComment({ post: mine, author: reader, status: 'pending' });
    const foreign = await makeComment({ post: theirs, author: reader, status: 'pending' });
    const ids = [a, b, foreign].map((c) => String(c._id));
    const res = await postForm(app, as(postAuthor), '/admin/comments/bulk', { action: 'approve', ids, back: '/admin/comments' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/admin/comments');
    expect((await followRedirect(app, res, as(postAuthor))).text).toContain('2 comments approved');
    expect([await statusOf(a._id), await statusOf(b._id), await statusOf(foreign._id)]).toEqual(['approved', 'approved', 'pending']);
    expect(await lastAudit('comment.approve', a._id)).not.toBeNull();

    await postForm(app, as(editor), '/admin/comments/bulk', { action: 'reject', ids: String(foreign._id) });
    expect(await statusOf(foreign._id)).toBe('rejected');
  });

  it('a bulk decision made on what the queue showed is not applied over another moderator’s made since', async () => {
    const post = await published();
    const a = await makeComment({ post, author: reader, status: 'pending', body: 'Seen pending, rejected since' });
    const b = await makeComment({ post, author: reader, status: 'pending', body: 'Seen pending, still pending' });
    // The queue carries, for each comment it lists, the status it showed.
    const queue = await request(app).get('/admin/comments?status=pending').set('Cookie', as(editor).cookie);
    for (const c of [a, b]) expect(queue.text).toContain(`<input type="hidden" name="seen-${String(c._id)}" value="pending">`);
    // The admin rejects one while the editor still has the queue open with both pending.
    expect((await postForm(app, as(admin), `/comments/${String(a._id)}/reject`, { seen: 'pending' })).status).toBe(303);
    const ids = [a, b].map((c) => String(c._id));
    const seen = Object.fromEntries(ids.map((id) => [`seen-${id}`, 'pending']));
    const res = await postForm(app, as(editor), '/admin/comments/bulk', { action: 'approve', ids, ...seen, back: '/admin/comments' });
    expect(res.status).toBe(303);
    expect([await statusOf(a._id), await statusOf(b._id)]).toEqual(['rejected', 'approved']);
    expect((await followRedirect(app, res, as(editor))).text).toContain('1 comment approved (1 comment was skipped: already approved, decided by someone else since');
    // A status the queue could not have shown is refused, as any malformed field.
    expect((await postForm(app, as(editor), '/admin/comments/bulk', { action: 'reject', ids, [`seen-${ids[1]}`]: 'published' })).status).toBe(422);
  });

  it('asks before deleting in bulk, then deletes and audits each comment', async () => {
    const post = await published();
    const a = await makeComment({ post, author: reader, status: 'pending', body: 'Bulk delete one' });
    const b = await makeComment({ post, author: null, status: 'approved', body: 'Bulk delete two' });
    const ids = [String(a._id), String(b._id)];
    const ask = await postForm(app, as(editor), '/admin/comments/bulk', { action: 'delete', ids });
    expect(ask.status).toBe(200);
    expect(ask.text).toContain('Delete 2 comments?');
    expect(ask.text).toContain('Bulk delete one');
    expect(ask.text).toContain('deleted user');
    expect(ask.text).toContain('name="confirm" value="yes"');
    expect(await Comment.countDocuments({ post: post._id })).toBe(2);

    const done = await postForm(app, as(editor), '/admin/comments/bulk', { action: 'delete', ids, confirm: 'yes' });
    expect(done.status).toBe(303);
    expect(await Comment.countDocuments({ post: post._id })).toBe(0);
    expect(await lastAudit('comment.delete', a._id)).not.toBeNull();
    expect(await lastAudit('comment.delete', b._id)).not.toBeNull();
  });

  it('asks for a selection when nothing is ticked and refuses more than 100 ids or malformed ones', async () => {
    const empty = await postForm(app, as(editor), '/admin/comments/bulk', { action: 'approve' });
    expect(empty.status).toBe(303);
    expect((await followRedirect(app, empty, as(editor))).text).toContain('Select at least one comment first.');
    const many = Array.from({ length: 101 }, (_, i) => i.toString(16).padStart(24, '0'));
    expect((await postForm(app, as(editor), '/admin/comments/bulk', { action: 'approve', ids: many })).status).toBe(422);
    expect((await postForm(app, as(editor), '/admin/comments/bulk', { action: 'approve', ids: ['{"$ne":null}'] })).status).toBe(422);
  });

  it('is refused to readers and needs a CSRF token', async () => {
    const post = await published();
    const c = await makeComment({ post, author: reader, status: 'pending' });
    expect((await postForm(app, as(reader), '/admin/comments/bulk', { action: 'approve', ids: String(c._id) })).status).toBe(403);
    const noToken = await request(app).post('/admin/comments/bulk').set('Cookie', as(editor).cookie).type('form').send({ action: 'approve', ids: String(c._id) });
    expect(noToken.status).toBe(403);
    expect(await statusOf(c._id)).toBe('pending');
  });
});

describe('pending counts', () => {
  it('shows editors every pending comment on /admin and /dashboard, and authors those on their posts', async () => {
    await Comment.deleteMany({});
    const mine = await published(postAuthor);
    const theirs = await published(otherAuthor);
    await makeComment({ post: mine, author: reader, status: 'pending' });
    await makeComment({ post: theirs, author: reader, status: 'pending' });
    await makeComment({ post: theirs, author: reader, status: 'pending' });
    await makeComment({ post: theirs, author: reader, status: 'approved' });

    const adminPage = await request(app).get('/admin').set('Cookie', as(editor).cookie);
    expect(adminPage.text).toMatch(/Pending comments<\/p>\s*<p class="admin-stat-value[^"]*">3<\/p>/);
    expect((await request(app).get('/dashboard').set('Cookie', as(editor).cookie)).text).toMatch(/<strong>3<\/strong> comments are awaiting review\./);
    expect((await request(app).get('/dashboard').set('Cookie', as(postAuthor).cookie)).text).toMatch(/<strong>1<\/strong> comment is awaiting review on your posts\./);
  });
});
