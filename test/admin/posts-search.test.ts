// /admin/posts?q=: a title search for managers, on both read models: literal and case-insensitive (a
// pattern typed as a search finds itself, never everything), drafts included, combined with the other
// filters, kept across pages, and echoed escaped.
import request from 'supertest';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readModel, useReadModel } from '../../src/posts/read-model-choice.js';
import { makePost } from '../support/posts.js';
import { testApp } from '../support/app.js';
import { makeUser } from '../support/factories.js';
import { sessionFor, type TestSession } from '../support/session.js';

const { app, config } = testApp();
const chosen = readModel().kind;
let editor: TestSession;

beforeAll(async () => {
  const [ed, author] = await Promise.all([makeUser({ role: 'editor' }), makeUser({ role: 'author' })]);
  editor = sessionFor(ed, config);
  await makePost({ author, title: 'Baking Bread at home', status: 'published' });
  await makePost({ author, title: 'Bread and butter', status: 'draft' });
  await makePost({ author, title: 'Cheese (aged)', status: 'published', tags: ['dairy'] });
  await makePost({ author, title: 'A.* literal title', status: 'draft' });
  for (let i = 0; i < 30; i++) await makePost({ author, title: `Soup number ${i}`, status: 'draft' });
});

afterEach(() => {
  useReadModel(chosen);
});

/** Titles of the rows of /admin/posts. */
function titles(html: string): string[] {
  return [...html.matchAll(/<a class="fw-semibold text-decoration-none" href="\/posts\/[^"]+\/edit">([^<]*)<\/a>/g)].map((m) => m[1]!);
}

const list = (query: string) => request(app).get(`/admin/posts${query}`).set('Cookie', editor.cookie);

for (const kind of ['memory', 'query'] as const) {
  describe(`on the ${kind} read model`, () => {
    it('finds titles containing the words, any case, drafts too', async () => {
      useReadModel(kind);
      const res = await list('?q=bREAD');
      expect(res.status).toBe(200);
      expect(titles(res.text).sort()).toEqual(['Baking Bread at home', 'Bread and butter']);
      expect(res.text).toContain('2 posts match');
    });

    it('reads the search literally: regex characters find themselves only', async () => {
      useReadModel(kind);
      expect(titles((await list(`?q=${encodeURIComponent('.*')}`)).text)).toEqual(['A.* literal title']);
      expect(titles((await list(`?q=${encodeURIComponent('(aged)')}`)).text)).toEqual(['Cheese (aged)']);
      expect(titles((await list(`?q=${encodeURIComponent('[')}`)).text)).toEqual([]);
    });

    it('combines with the status and tag filters', async () => {
      useReadModel(kind);
      expect(titles((await list('?q=bread&status=draft')).text)).toEqual(['Bread and butter']);
      expect(titles((await list('?q=e&tag=dairy')).text)).toEqual(['Cheese (aged)']);
    });
  });
}

describe('the search box', () => {
  it('keeps the search on the next page and echoes it escaped', async () => {
    const first = await list('?q=soup');
    expect(titles(first.text)).toHaveLength(25);
    expect(first.text).toContain('href="/admin/posts?q=soup&amp;page=2"');
    expect(titles((await list('?q=soup&page=2')).text)).toHaveLength(5);
    const xss = await list(`?q=${encodeURIComponent('"><script>x</script>')}`);
    expect(xss.status).toBe(200);
    expect(xss.text).toContain('value="&#34;&gt;&lt;script&gt;x&lt;/script&gt;"');
  });

  it('is for editors and admins only', async () => {
    const author = sessionFor(await makeUser({ role: 'author' }), config);
    expect((await request(app).get('/admin/posts?q=bread').set('Cookie', author.cookie)).status).toBe(403);
  });
});
