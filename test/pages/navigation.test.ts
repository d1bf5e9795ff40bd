// The navigation menu: the default (Home, Tags, Authors, About once a page `about` is published), the menu
// form on /admin/settings (admins only, validated: pages and tags that exist, https links only, at most
// 12 items, labels escaped), rendered in the header of every page, and dropped from the page cache when
// it changes.
import { pino } from 'pino';
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { Navigation } from '../../src/pages/navigation.model.js';
import { AuditEntry } from '../../src/site/audit.model.js';
import { testConfig } from '../support/app.js';
import { postForm } from '../support/comments.js';
import { makeUser } from '../support/factories.js';
import { makePost } from '../support/posts.js';
import { sessionFor, type TestSession } from '../support/session.js';

const config = testConfig();
const app = createApp({ config, logger: pino({ level: 'silent' }), pageCache: true });

type User = Awaited<ReturnType<typeof makeUser>>;
let admin: User, editor: User;
let adminSession: TestSession;

beforeAll(async () => {
  [admin, editor] = await Promise.all([makeUser({ role: 'admin' }), makeUser({ role: 'editor' })]);
  adminSession = sessionFor(admin, config);
  await makePost({ author: editor, title: 'Tagged post', status: 'published', tags: ['News'] });
});

/** The header's menu links as [label, href]. */
function menuOf(html: string): Array<[string, string]> {
  const menu = /<ul class="navbar-nav site-menu[^"]*">([\s\S]*?)<\/ul>/.exec(html)?.[1] ?? '';
  return [...menu.matchAll(/<a class="nav-link[^"]*" href="([^"]*)"[^>]*>([^<]*)<\/a>/g)].map((m) => [m[2]!, m[1]!]);
}

/** The menu form's rows as the three repeated fields. */
function menuForm(items: Array<[string, string, string]>): Record<string, string[]> {
  return { navLabel: items.map((i) => i[0]), navKind: items.map((i) => i[1]), navTarget: items.map((i) => i[2]) };
}

/** A page asked for until it is served from the cache. */
async function cached(path: string) {
  await request(app).get(path);
  await request(app).get(path);
  const hit = await request(app).get(path);
  expect(hit.headers['x-page-cache']).toBe('hit');
  return hit;
}

describe('the default menu', () => {
  it('is Home, Tags, Authors, and About once a page about is published', async () => {
    expect(menuOf((await request(app).get('/')).text)).toEqual([
      ['Home', '/'],
      ['Tags', '/tags'],
      ['Authors', '/authors'],
    ]);
    await cached('/');
    await postForm(app, sessionFor(editor, config), '/admin/pages', { title: 'About', slug: 'about', body: 'Hello.', status: 'draft' });
    expect(menuOf((await request(app).get('/')).text).map((m) => m[0])).not.toContain('About');
    await postForm(app, sessionFor(editor, config), '/admin/pages/about/edit', { title: 'About', slug: 'about', body: 'Hello.', status: 'published', version: '1' });
    // The page publication drops the cached home page, so the new menu shows at once.
    const after = await request(app).get('/');
    expect(after.headers['x-page-cache']).toBe('miss');
    expect(menuOf(after.text)).toContainEqual(['About', '/pages/about']);
  });

  it('marks the current page', async () => {
    const res = await request(app).get('/pages/about');
    expect(res.text).toContain('<a class="nav-link active" href="/pages/about" aria-current="page">About</a>');
  });
});

describe('editing the menu', () => {
  it('saves pages, tags and https links in order, shows them everywhere and audits the change', async () => {
    await cached('/pages/about');
    const res = await postForm(app, adminSession, '/admin/settings/navigation', menuForm([
      ['About us', 'page', 'about'],
      ['News <b>', 'tag', 'news'],
      ['', '', ''],
      ['Code', 'link', 'https://example.org/code'],
    ]));
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/admin/settings#navigation');
    const page = await request(app).get('/pages/about');
    expect(page.headers['x-page-cache']).toBe('miss');
    expect(menuOf(page.text)).toEqual([
      ['About us', '/pages/about'],
      ['News &lt;b&gt;', '/tags/news'],
      ['Code', 'https://example.org/code'],
    ]);
    // Signed-in pages (admin included) show it too.
    const settings = await request(app).get('/admin/settings').set('Cookie', adminSession.cookie);
    expect(settings.status).toBe(200);
    expect(menuOf(settings.text).map((m) => m[0])).toEqual(['About us', 'News &lt;b&gt;', 'Code']);
    const audit = await AuditEntry.findOne({ action: 'settings.navigation' }).lean();
    expect(audit?.detail).toContain('About us (page: about)');
  });

  it('refuses links that are not https, unknown pages and tags, and more than 12 items (422, nothing saved)', async () => {
    const before = (await Navigation.findById('site').lean())!.items.length;
    for (const [items, message] of [
      [[['Bad', 'link', 'javascript:alert(1)']], 'full https:// address'],
      [[['Plain', 'link', 'http://example.org/']], 'full https:// address'],
      [[['Ghost', 'page', 'no-such-page']], 'there is no page'],
      [[['Ghost tag', 'tag', 'no-such-tag']], 'there is no tag'],
      [[['No kind', '', 'about']], 'choose what it links to'],
      [Array.from({ length: 13 }, (_, i) => [`Item ${i}`, 'link', `https://example.org/${i}`]), 'at most 12 items'],
    ] as Array<[Array<[string, string, string]>, string]>) {
      const res = await postForm(app, adminSession, '/admin/settings/navigation', menuForm(items));
      expect(res.status).toBe(422);
      expect(res.text).toContain(message);
      // The site settings form is still there, with its saved values.
      expect(res.text).toContain('name="title"');
    }
    expect((await Navigation.findById('site').lean())!.items.length).toBe(before);
    expect(menuOf((await request(app).get('/')).text).map((m) => m[1])).not.toContain('javascript:alert(1)');
  });

  it('is for admins only (editors 403, no CSRF token 403)', async () => {
    const editorTry = await postForm(app, sessionFor(editor, config), '/admin/settings/navigation', menuForm([['Mine', 'link', 'https://evil.example/']]));
    expect(editorTry.status).toBe(403);
    const noToken = await request(app)
      .post('/admin/settings/navigation')
      .type('form')
      .set('Cookie', adminSession.cookie)
      .send('navLabel=Mine&navKind=link&navTarget=https%3A%2F%2Fevil.example%2F');
    expect(noToken.status).toBe(403);
    expect(menuOf((await request(app).get('/')).text).map((m) => m[0])).not.toContain('Mine');
  });

  it('leaves out a page that goes back to draft, and returns to the default menu when emptied', async () => {
    await postForm(app, sessionFor(editor, config), '/admin/pages/about/edit', { title: 'About', slug: 'about', body: 'Hello.', status: 'draft', version: '2' });
    expect(menuOf((await request(app).get('/')).text).map((m) => m[0])).toEqual(['News &lt;b&gt;', 'Code']);
    expect((await postForm(app, adminSession, '/admin/settings/navigation', menuForm([['', '', '']]))).status).toBe(303);
    expect(menuOf((await request(app).get('/')).text).map((m) => m[0])).toEqual(['Home', 'Tags', 'Authors']);
  });

  it('shows the form with the saved items on /admin/settings', async () => {
    await postForm(app, adminSession, '/admin/settings/navigation', menuForm([['Feed', 'link', 'https://example.org/feed']]));
    const res = await request(app).get('/admin/settings').set('Cookie', adminSession.cookie);
    expect(res.status).toBe(200);
    expect(res.text).toContain('id="navigation"');
    expect(res.text).toContain('value="https://example.org/feed"');
    expect((res.text.match(/name="navLabel"/g) ?? []).length).toBe(12);
  });
});
