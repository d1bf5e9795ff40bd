// Conflicts without loss: a save over a newer version is 409 and writes nothing, and the page shows every
// field that differs (title, body, excerpt, tags, slug, cover, schedule), theirs and yours, with a choice
// each and the body to merge by hand; saving that form goes through the normal save path.
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { Media } from '../../src/media/media.model.js';
import { newStorageKey } from '../../src/media/media.service.js';
import { Post } from '../../src/posts/post.model.js';
import { testApp } from '../support/app.js';
import { makeUser } from '../support/factories.js';
import { makePost } from '../support/posts.js';
import { sessionFor, type TestSession } from '../support/session.js';

const { app, config } = testApp();
type User = Awaited<ReturnType<typeof makeUser>>;
let author: User, editor: User, s: TestSession, e: TestSession;

beforeAll(async () => {
  author = await makeUser({ role: 'author', displayName: 'Ann Author' });
  editor = await makeUser({ role: 'editor', displayName: 'Ed Editor' });
  s = sessionFor(author, config);
  e = sessionFor(editor, config);
});

function edit(slug: string, fields: Record<string, string>, session: TestSession) {
  return request(app).post(`/posts/${slug}/edit`).set('Cookie', session.cookie).type('form').send({ _csrf: session.csrf, intent: 'save', ...fields });
}

async function media(owner: User, alt: string) {
  const storageKey = newStorageKey();
  return Media.create({
    owner: owner._id, storageKey, filename: `${alt}.jpg`, alt, format: 'jpeg', width: 1600, height: 900, bytes: 1000,
    originalKey: `media/${storageKey}/original.jpg`, variants: [{ width: 640, height: 360, key: `media/${storageKey}/640.webp`, bytes: 100 }],
  });
}

/** Every value the page's form would submit as it stands (checked radios, hidden fields, textareas with a name). */
function submittedFields(html: string): Record<string, string> {
  const form = /<form action="[^"]+\/edit" method="post" class="conflict-form">([\s\S]*?)<\/form>/.exec(html)![1]!;
  const decode = (v: string) => v.replace(/&#34;|&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  const out: Record<string, string> = {};
  for (const m of form.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) out[m[1]!] = decode(m[2]!);
  for (const m of form.matchAll(/<input class="form-check-input" type="radio" name="([^"]+)" id="[^"]+" value="([^"]*)" checked>/g)) out[m[1]!] = decode(m[2]!);
  for (const m of form.matchAll(/<textarea[^>]* name="([^"]+)"[^>]*>([\s\S]*?)<\/textarea>/g)) out[m[1]!] = decode(m[2]!);
  return out;
}

describe('the 409 page', () => {
  it('shows theirs and yours for every field that differs, keeps what the author typed, and saves the chosen mix', async () => {
    const coverTheirs = await media(editor, 'A lighthouse at dusk');
    const coverMine = await media(author, 'A harbour at noon');
    const post = await makePost({ author, title: 'Shared', body: 'Line one.\nLine two.', tags: ['Sea'], status: 'scheduled' });
    const later = new Date(Date.now() + 86_400_000);

    // The editor saves first, changing every field.
    const theirs = await edit(post.slug, {
      title: 'Shared (edited)', slug: 'shared-edited', body: 'Line one.\nTheir line two.', excerpt: 'Their summary.', tags: 'Sea, Ships',
      coverMediaId: String(coverTheirs._id), coverAlt: 'Their alt', publishAt: later.toISOString(), version: String(post.version),
    }, e);
    expect(theirs.status).toBe(303);

    // The author saves from the version they loaded, with their own change to every field.
    const mine = {
      title: 'Shared & mine', slug: 'shared-mine', body: 'Line one.\nMy line two <b>bold</b>.', excerpt: 'My summary.', tags: 'Sea, Harbours',
      coverMediaId: String(coverMine._id), coverAlt: 'My alt', publishAt: new Date(later.getTime() + 3_600_000).toISOString(), version: String(post.version),
    };
    const res = await edit(post.slug, mine, s);
    expect(res.status).toBe(409);
    // Nothing was written.
    const stored = (await Post.findById(post._id).lean())!;
    expect(stored).toMatchObject({ title: 'Shared (edited)', slug: 'shared-edited', bodyMarkdown: 'Line one.\nTheir line two.', version: post.version + 1 });

    // Every differing field, both sides, yours chosen.
    for (const field of ['title', 'slug', 'excerpt', 'tags', 'coverMediaId', 'coverAlt', 'publishAt']) {
      expect(res.text).toContain(`data-field="${field}"`);
      expect(res.text).toContain(`id="${field}-theirs"`);
      expect(res.text).toMatch(new RegExp(`id="${field}-mine" value="[^"]*" checked`));
    }
    for (const text of ['Shared (edited)', 'Shared &amp; mine', 'Their summary.', 'My summary.', 'Sea, Ships', 'Sea, Harbours', 'Their alt', 'My alt', '/posts/shared-edited', '/posts/shared-mine']) {
      expect(res.text).toContain(text);
    }
    // Both bodies: theirs read-only, yours editable and escaped.
    expect(res.text).toContain('readonly>Line one.\nTheir line two.</textarea>');
    expect(res.text).toContain('name="body" rows="18">Line one.\nMy line two &lt;b&gt;bold&lt;/b&gt;.</textarea>');
    expect(res.text).toContain('Ed Editor');

    // As the page stands, the form submits everything the author typed, over the current version.
    const fields = submittedFields(res.text);
    expect(fields).toMatchObject({ title: mine.title, slug: mine.slug, body: mine.body, excerpt: mine.excerpt, tags: mine.tags, coverMediaId: mine.coverMediaId, coverAlt: mine.coverAlt, publishAt: mine.publishAt, version: String(post.version + 1) });

    // The author keeps their tags choice as theirs and merges the body by hand.
    const saved = await edit('shared-edited', { ...fields, tags: 'Sea, Ships', body: 'Line one.\nTheir line two.\nMy line two.' }, s);
    expect(saved.status).toBe(303);
    expect((await Post.findById(post._id).lean())!).toMatchObject({ title: 'Shared & mine', slug: 'shared-mine', tags: ['sea', 'ships'], bodyMarkdown: 'Line one.\nTheir line two.\nMy line two.', excerpt: 'My summary.', coverAlt: 'My alt' });
  });

  it('carries fields that do not differ as they are, and says when the bodies are the same', async () => {
    const post = await makePost({ author, title: 'Only the title', body: 'Same body.' });
    await edit(post.slug, { title: 'Their title', body: 'Same body.', version: String(post.version) }, e);
    const res = await edit(post.slug, { title: 'My title', body: 'Same body.', version: String(post.version) }, s);
    expect(res.status).toBe(409);
    expect(res.text).toContain('data-field="title"');
    expect(res.text).not.toContain('data-field="tags"');
    expect(res.text).toContain('Both versions have the same body.');
    expect(submittedFields(res.text)).toMatchObject({ title: 'My title', body: 'Same body.', tags: '', excerpt: '' });
  });
});
