// /admin/posts, /admin/media and the dashboard: every post with filters, bulk publish, unpublish and
// delete (delete asks first), every image with its uses, the counts; each action audited.
import request from 'supertest';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AuditEntry } from '../../src/site/audit.model.js';
import { Media } from '../../src/media/media.model.js';
import { Post } from '../../src/posts/post.model.js';
import { PostRevision } from '../../src/posts/revision.model.js';
import { makeMedia } from '../support/media.js';
import { makePost } from '../support/posts.js';
import { testApp } from '../support/app.js';
import { makeUser } from '../support/factories.js';
import { sessionFor, type TestSession } from '../support/session.js';

const { app, config } = testApp();
let editor: TestSession;
let editorId: string;
let author: Awaited<ReturnType<typeof makeUser>>;

const bulk = (body: Record<string, string | string[]>, session = editor) =>
  request(app).post('/admin/posts/bulk').set('Cookie', session.cookie).type('form').send({ ...body, _csrf: session.csrf });
/** What the editor's bulk actions recorded about a post (its author's own entries, made with it, aside). */
const auditFor = (action: string, post: { _id: unknown }) => AuditEntry.find({ action, targetId: String(post._id), actor: editorId }).lean();

beforeAll(async () => {
  const user = await makeUser({ role: 'editor', displayName: 'Eve Editor' });
  editor = sessionFor(user, config);
  editorId = String(user._id);
  author = await makeUser({ role: 'author', displayName: 'Otto Author' });
});

beforeEach(async () => {
  await Post.deleteMany({});
  await Media.deleteMany({});
});

describe('the posts list', () => {
  it('shows every post whatever its status, with author and tags', async () => {
    await makePost({ author, title: 'A draft', status: 'draft', tags: ['notes'] });
    await makePost({ author, title: 'A scheduled one', status: 'scheduled' });
    await makePost({ author, title: 'A live one', status: 'published' });
    const res = await request(app).get('/admin/posts').set('Cookie', editor.cookie);
    expect(res.status).toBe(200);
    for (const text of ['A draft', 'A scheduled one', 'A live one', 'Otto Author', '>notes<', '>draft<', '>scheduled<', '>published<']) expect(res.text).toContain(text);
  });

  it('filters by status, author and tag', async () => {
    const other = await makeUser({ role: 'author', displayName: 'Olga Other' });
    await makePost({ author, title: 'Otto draft', status: 'draft', tags: ['cats'] });
    await makePost({ author, title: 'Otto live', status: 'published', tags: ['dogs'] });
    await makePost({ author: other, title: 'Olga scheduled', status: 'scheduled', tags: ['cats'] });
    const titles = async (query: string) => {
      const res = await request(app).get(`/admin/posts${query}`).set('Cookie', editor.cookie);
      return ['Otto draft', 'Otto live', 'Olga scheduled'].filter((t) => res.text.includes(`>${t}<`));
    };
    expect(await titles('?status=draft')).toEqual(['Otto draft']);
    expect(await titles('?status=scheduled')).toEqual(['Olga scheduled']);
    expect(await titles('?status=published')).toEqual(['Otto live']);
    expect(await titles(`?author=${other._id}`)).toEqual(['Olga scheduled']);
    expect(await titles('?tag=cats')).toEqual(['Otto draft', 'Olga scheduled']);
    expect(await titles(`?tag=cats&author=${author._id}`)).toEqual(['Otto draft']);
    expect(await titles('?status=bogus&tag=$ne')).toHaveLength(3);
  });
});

describe('bulk actions', () => {
  it('publishes the selected drafts now, skips what is already live, and audits each', async () => {
    const a = await makePost({ author, status: 'draft' });
    const b = await makePost({ author, status: 'scheduled' });
    const live = await makePost({ author, status: 'published' });
    const untouched = await makePost({ author, status: 'draft' });
    const res = await bulk({ action: 'publish', ids: [String(a._id), String(b._id), String(live._id)], back: '?status=draft' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/admin/posts?status=draft');
    expect(decodeURIComponent(String(res.headers['set-cookie']))).toContain('2 posts published (1 post was already published).');
    for (const post of [a, b]) {
      const saved = await Post.findById(post._id).lean();
      expect(saved!.status).toBe('published');
      expect(saved!.publishedAt!.getTime()).toBeLessThanOrEqual(Date.now());
      const [entry] = await auditFor('post.publish', post);
      expect(entry).toMatchObject({ actor: expect.anything(), actorName: 'Eve Editor', targetType: 'post', targetLabel: post.title });
      expect(String(entry!.actor)).toBe(editorId);
      expect(entry!.ip).toBeTruthy();
    }
    expect(await auditFor('post.publish', live)).toHaveLength(0);
    expect((await Post.findById(untouched._id).lean())!.status).toBe('draft');
  });

  it('unpublishes the selected posts back to drafts, audited', async () => {
    const live = await makePost({ author, status: 'published' });
    const res = await bulk({ action: 'unpublish', ids: String(live._id) });
    expect(res.status).toBe(303);
    expect(await Post.findById(live._id).lean()).toMatchObject({ status: 'draft', publishedAt: null });
    expect(await auditFor('post.unpublish', live)).toHaveLength(1);
  });

  it('asks before deleting: the first POST lists the posts and deletes nothing', async () => {
    const a = await makePost({ author, title: 'Doomed one', status: 'published' });
    const b = await makePost({ author, title: 'Doomed two' });
    const keep = await makePost({ author, title: 'Survivor' });
    const res = await bulk({ action: 'delete', ids: [String(a._id), String(b._id)], back: '?page=1' });
    expect(res.status).toBe(200);
    expect(res.text).toContain('Delete 2 posts?');
    expect(res.text).toContain('Doomed one');
    expect(res.text).toContain('Doomed two');
    expect(res.text).not.toContain('Survivor');
    expect(res.text).toContain('name="confirm" value="yes"');
    expect(await Post.countDocuments()).toBe(3);

    await PostRevision.create({ post: a._id, title: 'Old title', at: new Date() });
    const confirmed = await bulk({ action: 'delete', ids: [String(a._id), String(b._id)], confirm: 'yes', back: '?page=1' });
    expect(confirmed.status).toBe(303);
    expect(confirmed.headers.location).toBe('/admin/posts?page=1');
    expect(await Post.exists({ _id: a._id })).toBeNull();
    expect(await Post.exists({ _id: b._id })).toBeNull();
    expect(await Post.exists({ _id: keep._id })).not.toBeNull();
    expect(await PostRevision.countDocuments({ post: a._id })).toBe(0);
    expect(await auditFor('post.delete', a)).toHaveLength(1);
    expect(await auditFor('post.delete', b)).toHaveLength(1);
  });

  it('removes deleted posts from the public site at once', async () => {
    const live = await makePost({ author, title: 'Gone soon', status: 'published' });
    expect((await request(app).get('/')).text).toContain('Gone soon');
    await bulk({ action: 'delete', ids: String(live._id), confirm: 'yes' });
    expect((await request(app).get('/')).text).not.toContain('Gone soon');
    expect((await request(app).get(`/posts/${live.slug}`)).status).toBe(404);
  });

  it('with nothing selected, returns to the list with a warning', async () => {
    const res = await bulk({ action: 'publish' });
    expect(res.status).toBe(303);
    expect(decodeURIComponent(String(res.headers['set-cookie']))).toContain('Select at least one post first.');
  });

  it('refuses ids that are not ids and actions that are not actions (422), changing nothing', async () => {
    const draft = await makePost({ author });
    expect((await bulk({ action: 'publish', ids: [String(draft._id), 'nope'] })).status).toBe(422);
    expect((await bulk({ action: 'archive', ids: String(draft._id) })).status).toBe(422);
    expect((await Post.findById(draft._id).lean())!.status).toBe('draft');
  });

  it('ignores a "back" that is not a query string', async () => {
    const draft = await makePost({ author });
    const res = await bulk({ action: 'publish', ids: String(draft._id), back: '//evil.example/' });
    expect(res.headers.location).toBe('/admin/posts');
  });
});

describe('the media list', () => {
  it('shows every image with the posts that use it', async () => {
    const image = await makeMedia(author, { filename: 'sunset.jpg' });
    await makeMedia(author, { filename: 'unused.png' });
    await makePost({ author, title: 'Sunset post', coverMediaId: image._id });
    const res = await request(app).get('/admin/media').set('Cookie', editor.cookie);
    expect(res.status).toBe(200);
    expect(res.text).toContain('sunset.jpg');
    expect(res.text).toContain('unused.png');
    expect(res.text).toContain('Sunset post');
    expect(res.text).toContain('Not used');
    expect(res.text).toContain('Otto Author');
  });

  it('deletes an image in use only after confirmation, then audits it', async () => {
    const image = await makeMedia(author, { filename: 'cover.jpg' });
    const usedBy = await makePost({ author, title: 'Covered post', coverMediaId: image._id });
    const ask = await request(app).post(`/admin/media/${image._id}/delete`).set('Cookie', editor.cookie).type('form').send({ _csrf: editor.csrf });
    expect(ask.status).toBe(409);
    expect(ask.text).toContain('Covered post');
    expect(await Media.exists({ _id: image._id })).not.toBeNull();

    const res = await request(app).post(`/admin/media/${image._id}/delete`).set('Cookie', editor.cookie).type('form').send({ _csrf: editor.csrf, confirm: 'yes' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/admin/media');
    expect(await Media.exists({ _id: image._id })).toBeNull();
    expect((await Post.findById(usedBy._id).lean())!.coverMediaId ?? null).toBeNull();
    expect(await AuditEntry.countDocuments({ action: 'media.delete', targetId: String(image._id), actorName: 'Eve Editor' })).toBe(1);
  });
});

describe('the dashboard', () => {
  it('counts posts by status, images, and (for admins) users by role', async () => {
    await makePost({ author, status: 'draft' });
    await makePost({ author, status: 'draft' });
    await makePost({ author, status: 'scheduled' });
    await makePost({ author, status: 'published', title: 'Freshly updated' });
    await makeMedia(author);
    const admin = sessionFor(await makeUser({ role: 'admin' }), config);
    const res = await request(app).get('/admin').set('Cookie', admin.cookie);
    expect(res.status).toBe(200);
    expect(res.text).toContain('1 published');
    expect(res.text).toContain('1 scheduled');
    expect(res.text).toContain('2 drafts');
    expect(res.text).toMatch(/Images<\/p>\s*<p class="admin-stat-value">1</);
    expect(res.text).toMatch(/Posts<\/p>\s*<p class="admin-stat-value">4</);
    expect(res.text).toContain('1 admin<');
    expect(res.text).toContain('1 editor<');
    expect(res.text).toContain('Freshly updated');
    expect(res.text).toContain('Recent sign-ups');
  });
});
