// The editor's JSON endpoints: the live preview renders exactly what the published page shows, and
// autosave keeps drafts through the normal save path (CSRF, ownership, the lost-update guard) while
// coalescing its revisions.
import type { Types } from 'mongoose';
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { Post } from '../../src/posts/post.model.js';
import { AUTOSAVE_COALESCE_MS, PostRevision } from '../../src/posts/revision.model.js';
import { MARKDOWN_CORPUS as CORPUS } from '../support/markdown-corpus.js';
import { testApp } from '../support/app.js';
import { makeUser } from '../support/factories.js';
import { makeImage, upload } from '../support/media.js';
import { makePost } from '../support/posts.js';
import { sessionFor, type TestSession } from '../support/session.js';

const { app, config } = testApp();
type User = Awaited<ReturnType<typeof makeUser>>;
let author: User, other: User, editor: User, s: TestSession, otherSession: TestSession, editorSession: TestSession;

beforeAll(async () => {
  author = await makeUser({ role: 'author', displayName: 'Ann Author' });
  other = await makeUser({ role: 'author' });
  editor = await makeUser({ role: 'editor', displayName: 'Ed Editor' });
  s = sessionFor(author, config);
  otherSession = sessionFor(other, config);
  editorSession = sessionFor(editor, config);
});

function postJson(path: string, body: unknown, session: TestSession = s) {
  return request(app).post(path).set('Cookie', session.cookie).set('x-csrf-token', session.csrf).set('Accept', 'application/json').send(body as object);
}


describe('POST /posts/preview (JSON)', () => {
  it('returns the HTML the published page shows, for a corpus with every sanitised construct', async () => {
    const preview = await postJson('/posts/preview', { body: CORPUS });
    expect(preview.status).toBe(200);
    expect(preview.headers['content-type']).toMatch(/json/);
    const html = preview.body.html as string;
    // The corpus really exercises the sanitizer: things were kept, changed and removed.
    expect(html).toContain('<h2>A top heading becomes h2</h2>');
    expect(html).toContain('<span class="hljs-keyword">const</span>');
    expect(html).not.toMatch(/<script|onclick|style=|javascript:|evil\.example|data:image|bgcolor|<iframe/);

    const res = await request(app).post('/posts').set('Cookie', s.cookie).type('form').send({ _csrf: s.csrf, intent: 'publish', title: 'Corpus', body: CORPUS });
    expect(res.status).toBe(303);
    const page = await request(app).get(res.headers.location!.replace(/\/edit$/, ''));
    const published = /<div class="post-body">\n([\s\S]*?)\n {2}<\/div>\n<\/article>/.exec(page.text)?.[1]?.trim();
    expect(published).toBe(html);
  });

  it('counts words and reading time', async () => {
    const res = await postJson('/posts/preview', { body: `Hello **there**.\n\n${'word '.repeat(460)}` });
    expect(res.body).toMatchObject({ words: 462, readingMinutes: 3 });
  });

  it('needs the CSRF header, a signed-in author, and bounds the body', async () => {
    const noToken = await request(app).post('/posts/preview').set('Cookie', s.cookie).set('Accept', 'application/json').send({ body: 'x' });
    expect(noToken.status).toBe(403);
    const reader = await makeUser({ role: 'reader' });
    expect((await postJson('/posts/preview', { body: 'x' }, sessionFor(reader, config))).status).toBe(403);
    const anonymous = await request(app).post('/posts/preview').set('Accept', 'application/json').send({ body: 'x' });
    expect([303, 403]).toContain(anonymous.status);
    const tooLong = await postJson('/posts/preview', { body: 'x'.repeat(200_001) });
    expect(tooLong.status).toBe(422);
    // Not a string: zod refuses, nothing is rendered.
    expect((await postJson('/posts/preview', { body: { $gt: '' } })).status).toBe(422);
  });

  it('accepts a full-length body in a non-Latin script (more than 256 kB of JSON)', async () => {
    const res = await postJson('/posts/preview', { body: 'слово '.repeat(33_000) });
    expect(res.status).toBe(200);
    expect(res.body.words).toBe(33_000);
  });
});

describe('autosave', () => {
  it('creates a draft on the first autosave of a new post, titled "Untitled" until it has a title', async () => {
    const res = await postJson('/posts/autosave', { body: 'First words.', tags: 'Ideas', commentsEnabled: 'on' });
    expect(res.status).toBe(201);
    expect(res.body.editUrl).toBe(`/posts/${res.body.slug}/edit`);
    const post = (await Post.findOne({ slug: res.body.slug }).lean())!;
    expect(post).toMatchObject({ title: 'Untitled', bodyMarkdown: 'First words.', status: 'draft', tags: ['ideas'], version: 1 });
    expect(String(post.author)).toBe(String(author._id));
  });

  it("lets a new draft's slug follow its title while the slug field is empty, and keeps a slug the author set", async () => {
    const first = await postJson('/posts/autosave', { title: 'My fir', body: 'Draft.' });
    expect(first.body.slug).toBe('my-fir');
    const second = await postJson(`/posts/${first.body.slug}/autosave`, { title: 'My first trip', slug: '', body: 'Draft.', version: first.body.version });
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ slug: 'my-first-trip', editUrl: '/posts/my-first-trip/edit' });
    // Same title again: the slug stays.
    const third = await postJson('/posts/my-first-trip/autosave', { title: 'My first trip', slug: '', body: 'Draft, longer.', version: second.body.version });
    expect(third.body.slug).toBe('my-first-trip');
    // An explicit slug is the author's: kept whatever the title.
    const fourth = await postJson('/posts/my-first-trip/autosave', { title: 'Another title', slug: 'chosen-slug', body: 'x', version: third.body.version });
    expect(fourth.body.slug).toBe('chosen-slug');
    const fifth = await postJson('/posts/chosen-slug/autosave', { title: 'Yet another', slug: 'chosen-slug', body: 'x', version: fourth.body.version });
    expect(fifth.body.slug).toBe('chosen-slug');
  });

  it('never publishes: a new post autosaved with intent=publish is refused by the schema', async () => {
    const res = await postJson('/posts/autosave', { title: 'Sneaky', body: 'x', intent: 'publish' });
    expect(res.status).toBe(422);
    expect(await Post.exists({ title: 'Sneaky' })).toBeNull();
  });

  it('saves a draft with the version guard: a stale version is 409 and nothing is written', async () => {
    const post = await makePost({ author, title: 'Guarded', body: 'v1' });
    const first = await postJson(`/posts/${post.slug}/autosave`, { title: 'Guarded', body: 'v2', version: post.version, commentsEnabled: 'on' });
    expect(first.status).toBe(200);
    expect(first.body.version).toBe(post.version + 1);
    // The same loaded version again (another tab, or someone else): refused.
    const stale = await postJson(`/posts/${post.slug}/autosave`, { title: 'Guarded', body: 'v3 from a stale tab', version: post.version });
    expect(stale.status).toBe(409);
    expect(stale.body.error.message).toMatch(/changed by someone else/);
    expect((await Post.findById(post._id).lean())!.bodyMarkdown).toBe('v2');
  });

  it('does not touch published or scheduled posts (half-typed text never goes live)', async () => {
    for (const status of ['published', 'scheduled'] as const) {
      const post = await makePost({ author, title: `Live ${status}`, body: 'Finished text.', status });
      const res = await postJson(`/posts/${post.slug}/autosave`, { title: 'Live', body: 'half a sente', version: post.version });
      expect(res.status).toBe(422);
      const after = (await Post.findById(post._id).lean())!;
      expect(after).toMatchObject({ bodyMarkdown: 'Finished text.', version: post.version, status: 'published' });
    }
  });

  it("follows the ownership rule: another author's draft is 403, an editor may autosave it", async () => {
    const post = await makePost({ author, title: 'Mine', body: 'mine' });
    expect((await postJson(`/posts/${post.slug}/autosave`, { title: 'Mine', body: 'theirs', version: post.version }, otherSession)).status).toBe(403);
    expect((await postJson(`/posts/${post.slug}/autosave`, { title: 'Mine', body: 'edited', version: post.version }, editorSession)).status).toBe(200);
  });

  it('needs the CSRF header', async () => {
    const post = await makePost({ author, title: 'No token', body: 'x' });
    const res = await request(app).post(`/posts/${post.slug}/autosave`).set('Cookie', s.cookie).set('Accept', 'application/json').send({ title: 'x', body: 'y', version: post.version });
    expect(res.status).toBe(403);
    expect((await Post.findById(post._id).lean())!.bodyMarkdown).toBe('x');
  });
});

describe('autosave coalescing', () => {
  async function autosave(slug: string, body: string, session = s) {
    const post = (await Post.findOne({ slug }).lean())!;
    const res = await postJson(`/posts/${slug}/autosave`, { title: post.title, body, version: post.version }, session);
    expect(res.status).toBe(200);
  }
  const revisionsOf = async (postId: Types.ObjectId) => PostRevision.find({ post: postId }).sort({ at: -1, _id: -1 }).lean();

  it('keeps one revision per run of autosaves: the text from before the run', async () => {
    const post = await makePost({ author, title: 'Run', body: 'Before the run.' });
    for (const body of ['Typing', 'Typing more', 'Typing more words', 'Typing more words here']) await autosave(post.slug, body);
    const revisions = await revisionsOf(post._id);
    expect(revisions.map((r) => r.bodyMarkdown)).toEqual(['Before the run.']);
    expect((await Post.findById(post._id).lean())!.bodyMarkdown).toBe('Typing more words here');
  });

  it('starts a new revision after the coalescing window, and when another user autosaves', async () => {
    const post = await makePost({ author, title: 'Window', body: 'Original.' });
    await autosave(post.slug, 'First session.');
    // The run began longer ago than the window: the next autosave keeps the first session's text.
    await PostRevision.updateMany({ post: post._id }, { $set: { recordedAt: new Date(Date.now() - AUTOSAVE_COALESCE_MS - 1000) } });
    await autosave(post.slug, 'Second session.');
    await autosave(post.slug, 'Second session, more.');
    expect((await revisionsOf(post._id)).map((r) => r.bodyMarkdown)).toEqual(['First session.', 'Original.']);
    // An editor's autosave replaces the author's text: that text is kept, whoever ran last.
    await autosave(post.slug, 'The editor changed it.', editorSession);
    expect((await revisionsOf(post._id)).map((r) => r.bodyMarkdown)).toEqual(['Second session, more.', 'First session.', 'Original.']);
  });

  it('a save from the form always keeps the autosaved text it replaces', async () => {
    const post = await makePost({ author, title: 'Manual', body: 'Start.' });
    await autosave(post.slug, 'Autosaved.');
    const current = (await Post.findById(post._id).lean())!;
    const res = await request(app).post(`/posts/${post.slug}/edit`).set('Cookie', s.cookie).type('form').send({ _csrf: s.csrf, intent: 'save', title: 'Manual', body: 'Saved by hand.', version: String(current.version) });
    expect(res.status).toBe(303);
    expect((await revisionsOf(post._id)).map((r) => r.bodyMarkdown)).toEqual(['Autosaved.', 'Start.']);
  });
});

describe('images from the editor', () => {
  it('an upload asked for as JSON answers with the Markdown to insert, and that Markdown renders the uploaded image', async () => {
    const res = await upload(app, s, await makeImage('png', 900, 600), { filename: 'pasted.png', contentType: 'image/png', alt: 'A [bracketed] red box' }).set('Accept', 'application/json');
    expect(res.status).toBe(201);
    expect(res.body.markdown).toMatch(/^!\[A bracketed red box\]\(\/uploads\/media\/[a-f0-9]{32}\/[^)]+\)$/);
    const preview = await postJson('/posts/preview', { body: res.body.markdown });
    expect(preview.body.html).toMatch(/<img loading="lazy" src="\/uploads\/media\/[a-f0-9]{32}\/[^"]+" alt="A bracketed red box"/);
  });
});

describe('the cover picker', () => {
  it('labels each image with its description and file name, and carries the text the search box filters on', async () => {
    const res = await upload(app, s, await makeImage('png', 320, 200), { filename: 'Harbour-Dusk.png', contentType: 'image/png', alt: 'Boats in the harbour at dusk' }).set('Accept', 'application/json');
    expect(res.status).toBe(201);
    const page = await request(app).get('/posts/new').set('Cookie', s.cookie);
    expect(page.text).toContain('data-picker-text="boats in the harbour at dusk harbour-dusk.png"');
    expect(page.text).toMatch(new RegExp(`<label class="picker-option d-block" for="cover-${res.body.id}"[^>]*>\\s*<img [^>]*alt=""[^>]*>\\s*<span class="small picker-alt">Boats in the harbour at dusk</span>`));
  });
});
