// /tags and /authors: every tag and every author with published posts, with counts that leave drafts and
// scheduled posts out, on both read models (in-memory index and indexed queries); names and bios escaped.
import request from 'supertest';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readModel, useReadModel } from '../../src/posts/read-model-choice.js';
import { testApp } from '../support/app.js';
import { makeUser } from '../support/factories.js';
import { makePost } from '../support/posts.js';

const { app } = testApp();
const chosen = readModel().kind;

type User = Awaited<ReturnType<typeof makeUser>>;
let ada: User, bob: User, drafty: User;

beforeAll(async () => {
  [ada, bob, drafty] = await Promise.all([
    makeUser({ role: 'author', username: 'ada', displayName: 'Ada <Lovelace>', bio: 'Engines & <script>poetry</script>' }),
    makeUser({ role: 'author', username: 'bob', displayName: 'Bob Builder' }),
    makeUser({ role: 'author', username: 'drafty', displayName: 'Drafty Only' }),
  ]);
  await makeUser({ role: 'reader', username: 'rita', displayName: 'Rita Reader' });
  await makePost({ author: ada, status: 'published', tags: ['Zebras', 'Apples'] });
  await makePost({ author: ada, status: 'published', tags: ['Zebras'] });
  await makePost({ author: bob, status: 'published', tags: ['Zebras', 'Mice & <Men>'] });
  await makePost({ author: bob, status: 'scheduled', tags: ['Apples', 'Future'] });
  await makePost({ author: drafty, status: 'draft', tags: ['Unpublished'] });
});

afterEach(() => {
  useReadModel(chosen);
});

/** The tag links of /tags as [name, count]. */
function tagsOf(html: string): Array<[string, number]> {
  return [...html.matchAll(/class="btn btn-outline-secondary btn-sm tag-index-link" href="\/tags\/[^"]+">([^<]*) <span class="badge[^"]*">(\d+)/g)].map((m) => [m[1]!, Number(m[2])]);
}

function authorsOf(html: string): Array<[string, string]> {
  return [...html.matchAll(/<h2 class="h5 mb-1" id="author-[a-f0-9]+"><a[^>]*href="([^"]*)">([^<]*)<\/a><\/h2>\s*<p[^>]*>(\d+) posts?<\/p>/g)].map((m) => [m[2]!, `${m[1]} ${m[3]}`]);
}

for (const kind of ['memory', 'query'] as const) {
  describe(`on the ${kind} read model`, () => {
    it('/tags lists tags of published posts with their counts, by name or by count', async () => {
      useReadModel(kind);
      const byName = await request(app).get('/tags');
      expect(byName.status).toBe(200);
      expect(tagsOf(byName.text)).toEqual([
        ['Apples', 1],
        ['Mice &amp; &lt;Men&gt;', 1],
        ['Zebras', 3],
      ]);
      const byCount = await request(app).get('/tags?sort=count');
      expect(tagsOf(byCount.text).map((t) => t[0])).toEqual(['Zebras', 'Apples', 'Mice &amp; &lt;Men&gt;']);
      expect(byName.text).not.toContain('Future');
      expect(byName.text).not.toContain('Unpublished');
    });

    it('/authors lists authors with published posts, counts, avatars and escaped bios', async () => {
      useReadModel(kind);
      const res = await request(app).get('/authors');
      expect(res.status).toBe(200);
      expect(authorsOf(res.text)).toEqual([
        ['Ada &lt;Lovelace&gt;', '/authors/ada 2'],
        ['Bob Builder', '/authors/bob 1'],
      ]);
      expect(res.text).toContain('Engines &amp; &lt;script&gt;poetry&lt;/script&gt;');
      expect(res.text).not.toContain('<script>poetry');
      expect(res.text).toContain('/public/img/avatar-default');
      expect(res.text).not.toContain('Drafty Only');
      expect(res.text).not.toContain('Rita Reader');
    });
  });
}

describe('the author page', () => {
  it('shows the avatar and the bio, escaped', async () => {
    const res = await request(app).get('/authors/ada');
    expect(res.status).toBe(200);
    expect(res.text).toContain('<p class="author-bio mb-1">Engines &amp; &lt;script&gt;poetry&lt;/script&gt;</p>');
    expect(res.text).toMatch(/<img src="[^"]*avatar[^"]*" alt="Ada &lt;Lovelace&gt;" width="96"/);
  });
});
