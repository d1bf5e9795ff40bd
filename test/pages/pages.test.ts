// Static pages: written by editors and admins (authors and readers 403), drafts hidden from readers,
// bodies sanitized, edits guarded by version (409), kept out of every post list, search and the feed, but
// in the sitemap; and the page cache drops a page when it changes.
import mongoose from 'mongoose';
import { pino } from 'pino';
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { Navigation } from '../../src/pages/navigation.model.js';
import { Page } from '../../src/pages/page.model.js';
import { pageMediaIds } from '../../src/schema/migrations/0004-page-media-ids.js';
import { AuditEntry } from '../../src/site/audit.model.js';
import { testConfig } from '../support/app.js';
import { postForm } from '../support/comments.js';
import { makeUser } from '../support/factories.js';
import { makeMedia } from '../support/media.js';
import { makePost } from '../support/posts.js';
import { anonymousSession, sessionFor, type TestSession } from '../support/session.js';

const config = testConfig();
const app = createApp({ config, logger: pino({ level: 'silent' }) });
const cachedApp = createApp({ config, logger: pino({ level: 'silent' }), pageCache: true });

type User = Awaited<ReturnType<typeof makeUser>>;
let editor: User, admin: User, author: User, reader: User;
let editorSession: TestSession;

beforeAll(async () => {
  [editor, admin, author, reader] = await Promise.all([
    makeUser({ role: 'editor', displayName: 'Eddie Editor' }),
    makeUser({ role: 'admin' }),
    makeUser({ role: 'author' }),
    makeUser(),
  ]);
  editorSession = sessionFor(editor, config);
  // A published post, so that the lists below have something to show besides (not) the pages.
  await makePost({ author, title: 'An ordinary post', status: 'published', tags: ['notes'] });
});

function createPageAs(session: TestSession, body: Record<string, string>) {
  return postForm(app, session, '/admin/pages', body);
}

describe('writing pages', () => {
  it('lets an editor create a draft that readers cannot see, then publish it, sanitized', async () => {
    const created = await createPageAs(editorSession, { title: 'About us', slug: '', body: 'We write. <script>alert(1)</script><img src=x onerror=alert(2)>', status: 'draft' });
    expect(created.status).toBe(303);
    expect(created.headers.location).toBe('/admin/pages/about-us/edit');

    expect((await request(app).get('/pages/about-us')).status).toBe(404);
    expect((await request(app).get('/pages/about-us').set('Cookie', sessionFor(author, config).cookie)).status).toBe(404);
    const asEditor = await request(app).get('/pages/about-us').set('Cookie', editorSession.cookie);
    expect(asEditor.status).toBe(200);
    expect(asEditor.headers['cache-control']).toContain('no-store');
    expect(asEditor.text).toContain('Only editors and admins can see this page');

    const page = await Page.findOne({ slug: 'about-us' }).lean();
    const published = await postForm(app, editorSession, '/admin/pages/about-us/edit', { title: 'About us', slug: 'about-us', body: page!.bodyMarkdown, status: 'published', version: String(page!.version) });
    expect(published.status).toBe(303);
    const res = await request(app).get('/pages/about-us');
    expect(res.status).toBe(200);
    expect(res.text).toContain('<h1 id="page-title" class="post-title fw-bold mb-2">About us</h1>');
    expect(res.text).toContain('We write.');
    expect(res.text).not.toContain('alert(1)');
    expect(res.text).not.toContain('onerror');
    expect(res.text).toContain('<link rel="canonical" href="http://quire.test/pages/about-us">');

    const actions = (await AuditEntry.find({ targetType: 'page' }).lean()).map((a) => a.action);
    expect(actions).toEqual(expect.arrayContaining(['page.create', 'page.publish']));
  });

  it('refuses authors and readers (403) and sends anonymous visitors to sign in', async () => {
    for (const user of [author, reader]) {
      const s = sessionFor(user, config);
      expect((await request(app).get('/admin/pages').set('Cookie', s.cookie)).status).toBe(403);
      expect((await request(app).get('/admin/pages/new').set('Cookie', s.cookie)).status).toBe(403);
      expect((await createPageAs(s, { title: 'Sneaky', body: 'x', status: 'published' })).status).toBe(403);
    }
    const anonymous = await request(app).get('/admin/pages');
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.location).toBe('/signin?next=%2Fadmin%2Fpages');
    expect(await Page.exists({ title: 'Sneaky' })).toBeNull();
  });

  it('refuses an author editing or deleting an existing page', async () => {
    await createPageAs(editorSession, { title: 'Contact', body: 'Write to us.', status: 'published' });
    const s = sessionFor(author, config);
    expect((await postForm(app, s, '/admin/pages/contact/edit', { title: 'Hacked', body: 'x', status: 'published', version: '1' })).status).toBe(403);
    expect((await postForm(app, s, '/admin/pages/contact/delete')).status).toBe(403);
    expect((await Page.findOne({ slug: 'contact' }).lean())!.title).toBe('Contact');
  });

  it('needs the CSRF token', async () => {
    const res = await request(app).post('/admin/pages').type('form').set('Cookie', editorSession.cookie).send({ title: 'No token', body: 'x' });
    expect(res.status).toBe(403);
    expect(await Page.exists({ title: 'No token' })).toBeNull();
  });

  it('answers 422 with the form kept for a taken slug or a missing title', async () => {
    await createPageAs(editorSession, { title: 'Imprint', body: 'Legal.', status: 'draft' });
    const taken = await createPageAs(editorSession, { title: 'Another imprint', slug: 'imprint', body: 'Kept body', status: 'draft' });
    expect(taken.status).toBe(422);
    expect(taken.text).toContain('Another page already uses this slug.');
    expect(taken.text).toContain('Kept body');
    const untitled = await createPageAs(editorSession, { title: '  ', body: 'x', status: 'draft' });
    expect(untitled.status).toBe(422);
    expect(await Page.countDocuments({ slug: 'imprint' })).toBe(1);
  });

  it('answers 409 to an edit over a newer version and overwrites nothing', async () => {
    await createPageAs(editorSession, { title: 'Team', body: 'First.', status: 'published' });
    const adminSession = sessionFor(admin, config);
    expect((await postForm(app, adminSession, '/admin/pages/team/edit', { title: 'Team', slug: 'team', body: 'Admin wins.', status: 'published', version: '1' })).status).toBe(303);
    const stale = await postForm(app, editorSession, '/admin/pages/team/edit', { title: 'Team', slug: 'team', body: 'Editor was late.', status: 'published', version: '1' });
    expect(stale.status).toBe(409);
    expect(stale.text).toContain('changed by someone else');
    expect(stale.text).toContain('Editor was late.');
    expect((await request(app).get('/pages/team')).text).toContain('Admin wins.');
  });

  it('deletes a page (then 404) and records it', async () => {
    await createPageAs(editorSession, { title: 'Temporary', body: 'Soon gone.', status: 'published' });
    expect((await request(app).get('/pages/temporary')).status).toBe(200);
    const res = await postForm(app, editorSession, '/admin/pages/temporary/delete');
    expect(res.status).toBe(303);
    expect((await request(app).get('/pages/temporary')).status).toBe(404);
    expect(await AuditEntry.exists({ action: 'page.delete', targetLabel: /Temporary/ })).not.toBeNull();
  });

  it('keeps a renamed page at its old addresses (301, no chain) and in the menu; a deleted page leaves none', async () => {
    await createPageAs(editorSession, { title: 'Contact', body: 'Write to us.', status: 'published' });
    await Navigation.updateOne({ _id: 'site' }, { $set: { items: [{ kind: 'page', target: 'contact', label: 'Contact' }] } }, { upsert: true });
    const rename = async (from: string, to: string) => {
      const page = await Page.findOne({ slug: from }).lean();
      return postForm(app, editorSession, `/admin/pages/${from}/edit`, { title: 'Contact', slug: to, body: page!.bodyMarkdown, status: 'published', version: String(page!.version) });
    };
    expect((await rename('contact', 'contact-us')).status).toBe(303);
    expect((await rename('contact-us', 'write-to-us')).status).toBe(303);

    for (const old of ['/pages/contact', '/pages/contact-us']) {
      const res = await request(app).get(old);
      expect(res.status).toBe(301);
      expect(res.headers.location).toBe('/pages/write-to-us');
    }
    expect((await request(app).get('/pages/write-to-us')).text).toContain('Write to us.');
    expect((await Navigation.findById('site').lean())!.items.map((i) => i.target)).toEqual(['write-to-us']);
    expect((await request(app).get('/')).text).toContain('href="/pages/write-to-us"');

    // A new page may take an old address: it is served, not redirected.
    await createPageAs(editorSession, { title: 'Contact', slug: 'contact', body: 'A new contact page.', status: 'published' });
    expect((await request(app).get('/pages/contact')).text).toContain('A new contact page.');

    await postForm(app, editorSession, '/admin/pages/write-to-us/delete');
    expect((await request(app).get('/pages/contact-us')).status).toBe(404);
    expect((await request(app).get('/pages/write-to-us')).status).toBe(404);
  });

  it('lists pages for editors at /admin/pages', async () => {
    const res = await request(app).get('/admin/pages').set('Cookie', editorSession.cookie);
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toContain('no-store');
    expect(res.text).toContain('/pages/about-us');
  });
});

describe('pages saved before they listed their images', () => {
  it('get the list from their stored HTML (migration 0004)', async () => {
    const media = await makeMedia(editor, { filename: 'old-page.jpg' });
    const { _id } = await Page.create({ title: 'Old page', slug: 'old-page', bodyHtml: `<p><img src="/uploads/${media.variants[0]!.key}" alt=""></p>`, author: editor._id });
    await Page.updateOne({ _id }, { $unset: { mediaIds: 1 } });
    await pageMediaIds.up(mongoose.connection, {});
    expect((await Page.findById(_id).lean())!.mediaIds.map(String)).toEqual([String(media._id)]);
  });
});

describe('pages stay out of the post lists', () => {
  beforeAll(async () => {
    await createPageAs(editorSession, { title: 'Zebra facts', slug: 'zebra', body: 'Quagga stripes are unique.', status: 'published' });
  });

  it('are not on the home page, in search, in tag lists or in the feed', async () => {
    const home = await request(app).get('/');
    expect(home.text).toContain('An ordinary post');
    expect(home.text).not.toContain('Zebra facts');
    const search = await request(app).get('/search?q=quagga');
    expect(search.status).toBe(200);
    expect(search.text).not.toContain('Zebra facts');
    const feed = await request(app).get('/feed.xml');
    expect(feed.text).toContain('An ordinary post');
    expect(feed.text).not.toContain('Zebra facts');
    expect((await request(app).get('/posts/zebra')).status).toBe(404);
  });

  it('are in the sitemap when published, drafts not', async () => {
    await createPageAs(editorSession, { title: 'Secret plans', slug: 'secret-plans', body: 'Hidden.', status: 'draft' });
    const sitemap = await request(app).get('/sitemap.xml');
    expect(sitemap.text).toContain('<loc>http://quire.test/pages/zebra</loc>');
    expect(sitemap.text).not.toContain('secret-plans');
  });
});

describe('pages and the page cache', () => {
  it('serves a published page from the cache and drops it when the page is edited', async () => {
    await createPageAs(editorSession, { title: 'Cached page', slug: 'cached', body: 'Version one.', status: 'published' });
    await request(cachedApp).get('/pages/cached');
    await request(cachedApp).get('/pages/cached');
    const hit = await request(cachedApp).get('/pages/cached');
    expect(hit.headers['x-page-cache']).toBe('hit');
    expect(hit.text).toContain('Version one.');

    const page = await Page.findOne({ slug: 'cached' }).lean();
    await postForm(app, editorSession, '/admin/pages/cached/edit', { title: 'Cached page', slug: 'cached', body: 'Version two.', status: 'published', version: String(page!.version) });
    const after = await request(cachedApp).get('/pages/cached');
    expect(after.headers['x-page-cache']).toBe('miss');
    expect(after.text).toContain('Version two.');
  });

  it('never stores a draft page shown to an editor', async () => {
    await createPageAs(editorSession, { title: 'Draft cached', slug: 'draft-cached', body: 'Not for readers.', status: 'draft' });
    for (let i = 0; i < 3; i++) await request(cachedApp).get('/pages/draft-cached').set('Cookie', editorSession.cookie);
    const anonymous = await request(cachedApp).get('/pages/draft-cached').set('Cookie', anonymousSession(config).cookie);
    expect(anonymous.status).toBe(404);
    expect((await request(cachedApp).get('/pages/draft-cached')).status).toBe(404);
  });
});
