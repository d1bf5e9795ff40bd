// Writing posts through the editor: slugs and their redirects, the lost-update guard, revisions,
// scheduling, validation, covers, audit entries and deletion.
import mongoose from 'mongoose';
import request from 'supertest';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { AuditEntry } from '../../src/site/audit.model.js';
import { Post } from '../../src/posts/post.model.js';
import { listPosts } from '../../src/posts/listing.service.js';
import { updatePost } from '../../src/posts/posts.service.js';
import { isDuplicateKey } from '../../src/db/duplicate-key.js';
import { PostRevision, REVISIONS_KEPT } from '../../src/posts/revision.model.js';
import { testApp } from '../support/app.js';
import { makeUser } from '../support/factories.js';
import { makeMedia } from '../support/media.js';
import { actorFor, makePost } from '../support/posts.js';
import { sessionFor, type TestSession } from '../support/session.js';

const { app, config } = testApp();

type User = Awaited<ReturnType<typeof makeUser>>;
let author: User, editor: User, s: TestSession;

beforeAll(async () => {
  author = await makeUser({ role: 'author', displayName: 'Ann Author' });
  editor = await makeUser({ role: 'editor', displayName: 'Ed Editor' });
  s = sessionFor(author, config);
});

afterEach(() => vi.useRealTimers());

async function create(fields: Record<string, string>, session = s) {
  return request(app).post('/posts').set('Cookie', session.cookie).type('form').send({ _csrf: session.csrf, intent: 'save', ...fields });
}

async function edit(slug: string, fields: Record<string, string>, session = s) {
  return request(app).post(`/posts/${slug}/edit`).set('Cookie', session.cookie).type('form').send({ _csrf: session.csrf, intent: 'save', ...fields });
}

async function reload(slug: string) {
  return (await Post.findOne({ slug }).lean())!;
}


/** An image as the editor tests expect it: a wide photo with its alt text. */
const KITE = { alt: 'A red kite over a hill', filename: 'kite.jpg', width: 1600, height: 900 };

describe('creating', () => {
  it('makes a unique slug from the title and redirects to the editor', async () => {
    const first = await create({ title: 'Crème Brûlée Recipes', body: 'Sweet.' });
    expect(first.status).toBe(303);
    expect(first.headers.location).toBe('/posts/creme-brulee-recipes/edit');
    const second = await create({ title: 'Crème brûlée recipes!', body: 'Again.' });
    expect(second.headers.location).toBe('/posts/creme-brulee-recipes-2/edit');
    const third = await create({ title: 'New', body: 'Reserved word.' });
    expect(third.headers.location).toBe('/posts/new-2/edit');
    const post = await reload('creme-brulee-recipes');
    expect(post).toMatchObject({ status: 'draft', publishedAt: null, bodyHtml: '<p>Sweet.</p>', bodyText: 'Sweet.', excerpt: 'Sweet.', readingMinutes: 1, version: 1 });
  });

  it('stores sanitized HTML, plain text, an automatic or custom excerpt, tags and reading time', async () => {
    const body = `## Intro\n\n${'word '.repeat(500)}\n\n<script>alert(1)</script><img src=x onerror=alert(1)>`;
    await create({ title: 'Long read', body, tags: 'Node.js, Web, node.js' });
    const post = await reload('long-read');
    expect(post.bodyHtml).not.toMatch(/script|onerror/);
    expect(post.readingMinutes).toBe(3);
    expect(post.excerpt.endsWith('…')).toBe(true);
    expect(post.customExcerpt).toBe(false);
    expect(post.tags).toEqual(['node-js', 'web']);
    await edit('long-read', { title: 'Long read', body, excerpt: 'My own summary.', tags: 'Web', version: String(post.version) });
    expect(await reload('long-read')).toMatchObject({ excerpt: 'My own summary.', customExcerpt: true, tags: ['web'] });
  });

  it('answers 422 with the form again, input kept, for invalid input', async () => {
    const cases: [Record<string, string>, string][] = [
      [{ title: '', body: 'No title' }, 'Title is required.'],
      [{ title: 'x'.repeat(201) }, 'at most 200'],
      [{ title: 'Bad slug', slug: 'Not A Slug!' }, 'lower-case letters'],
      [{ title: 'Too many tags', tags: Array.from({ length: 21 }, (_, i) => `t${i}`).join(',') }, 'at most 20 tags'],
      [{ title: 'Long tag', tags: 'x'.repeat(41) }, 'at most 40 characters'],
      [{ title: 'Long excerpt', excerpt: 'x'.repeat(301) }, 'at most 300'],
      [{ title: 'Bad date', intent: 'schedule', publishAt: 'tomorrow-ish' }, 'valid date'],
      [{ title: 'Past date', intent: 'schedule', publishAt: '2001-01-01T10:00' }, 'in the future'],
      [{ title: 'Body too long', body: 'x'.repeat(200_001) }, 'at most 200,000'],
    ];
    for (const [fields, message] of cases) {
      const res = await create(fields);
      expect(res.status, message).toBe(422);
      expect(res.text).toContain(message);
      expect(res.text).toContain('name="body"');
      if (fields.title && fields.title.length <= 200) expect(res.text).toContain(`value="${fields.title}"`);
    }
    expect(await Post.countDocuments({ title: mongooseIn(cases.map(([f]) => f.title ?? '')) })).toBe(0);
  });

  it('refuses impossible dates and times with 422 instead of shifting them', async () => {
    const impossible = [
      '2099-02-30T10:00', // would become March 2
      '2099-02-29T10:00', // not a leap year
      '2099-04-31T10:00',
      '2099-13-01T10:00',
      '2099-00-10T10:00',
      '2099-06-00T10:00',
      '2099-06-01T24:00', // would become the next midnight
      '2099-06-01T10:60',
      '2099-06-01T10:00:60',
      '2099-06-01T10:00+25:00',
      '2099-02-30T10:00:00.000Z',
    ];
    for (const publishAt of impossible) {
      const res = await create({ title: `Impossible ${publishAt}`, intent: 'schedule', publishAt });
      expect(res.status, publishAt).toBe(422);
      expect(res.text).toContain('Enter a valid date and time.');
    }
    expect(await Post.countDocuments({ title: /^Impossible / })).toBe(0);

    // Real dates at the edges are kept exactly as written.
    const leap = await create({ title: 'Leap day', intent: 'schedule', publishAt: '2096-02-29T23:59' });
    expect(leap.status).toBe(303);
    expect((await reload('leap-day')).publishedAt?.toISOString()).toBe('2096-02-29T23:59:00.000Z');
    const zoned = await create({ title: 'Zoned', intent: 'schedule', publishAt: '2096-03-01T00:30+01:00' });
    expect(zoned.status).toBe(303);
    expect((await reload('zoned')).publishedAt?.toISOString()).toBe('2096-02-29T23:30:00.000Z');
  });

  it('refuses a slug another post uses', async () => {
    await makePost({ author, title: 'Taken slug', slug: 'taken' });
    const res = await create({ title: 'Wants taken', slug: 'taken' });
    expect(res.status).toBe(422);
    expect(res.text).toContain('Another post already uses this slug.');
  });
});

function mongooseIn(values: string[]) {
  return mongoose.trusted({ $in: values }) as unknown as string;
}

describe('slugs', () => {
  it('renaming twice keeps both old slugs answering 301 to the newest', async () => {
    const post = await makePost({ author, title: 'First name', status: 'published' });
    expect(post.slug).toBe('first-name');
    await edit('first-name', { title: 'First name', slug: 'second-name', version: String(post.version) });
    const second = await reload('second-name');
    await edit('second-name', { title: 'First name', slug: 'third-name', version: String(second.version) });
    for (const old of ['first-name', 'second-name']) {
      const res = await request(app).get(`/posts/${old}`);
      expect(res.status).toBe(301);
      expect(res.headers.location).toBe('/posts/third-name');
    }
    expect((await request(app).get('/posts/third-name')).status).toBe(200);
    expect((await reload('third-name')).previousSlugs).toEqual(['first-name', 'second-name']);
  });

  it("a post may take another post's old slug, which then stops redirecting", async () => {
    const moved = await makePost({ author, title: 'Old home', status: 'published' });
    await edit('old-home', { title: 'Old home', slug: 'new-home', version: String(moved.version) });
    const newcomer = await makePost({ author, title: 'Newcomer', status: 'published' });
    const res = await edit('newcomer', { title: 'Newcomer', slug: 'old-home', version: String(newcomer.version) });
    expect(res.status).toBe(303);
    expect((await request(app).get('/posts/old-home')).text).toContain('Newcomer');
    expect((await reload('new-home')).previousSlugs).toEqual([]);
  });
});

describe('slugs under concurrency', () => {
  it('eight posts with the same title saved at once all succeed, with eight different slugs', async () => {
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => create({ title: 'Breaking news', slug: '', body: `Take ${i}.` })));
    expect(results.map((r) => r.status)).toEqual(Array(8).fill(303));
    const slugs = results.map((r) => /^\/posts\/([^/]+)\/edit$/.exec(r.headers.location ?? '')?.[1]);
    expect(new Set(slugs).size).toBe(8);
    const stored = await Post.find({ title: 'Breaking news' }, 'slug').lean();
    expect(new Set(stored.map((p) => p.slug))).toEqual(new Set(slugs));
    for (const slug of slugs) expect(slug).toMatch(/^breaking-news(-[a-z0-9]+)?$/);
  });

  it('an explicit slug that is taken is refused with 422, also when two saves race for it', async () => {
    await makePost({ author, title: 'Holder', slug: 'held-slug' });
    const taken = await create({ title: 'Wants it', slug: 'held-slug' });
    expect(taken.status).toBe(422);
    expect(taken.text).toContain('Another post already uses this slug.');

    const racing = await Promise.all([create({ title: 'Racer one', slug: 'raced-slug' }), create({ title: 'Racer two', slug: 'raced-slug' })]);
    expect(racing.map((r) => r.status).sort()).toEqual([303, 422]);
    expect(await Post.countDocuments({ slug: 'raced-slug' })).toBe(1);
  });

  it('a rename onto a slug taken at the same moment is a 422, not a 500, on every engine', async () => {
    const a = await makePost({ author, title: 'Rename A' });
    const b = await makePost({ author, title: 'Rename B' });
    const both = await Promise.all([
      edit(a.slug, { title: 'Rename A', slug: 'renamed-target', version: String(a.version) }),
      edit(b.slug, { title: 'Rename B', slug: 'renamed-target', version: String(b.version) }),
    ]);
    expect(both.map((r) => r.status).sort()).toEqual([303, 422]);
    // FerretDB reports a unique violation on update as code 1, not 11000: it must still count as one.
    const c = await makePost({ author, title: 'Rename C' });
    const err = await Post.updateOne({ _id: c._id }, { $set: { slug: 'renamed-target' } }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).not.toBeNull();
    expect(isDuplicateKey(err)).toBe(true);
  });
});

describe('no lost updates', () => {
  it('two saves from the same loaded version: the second answers 409 with both versions, and the first is kept', async () => {
    const post = await makePost({ author, title: 'Shared draft', body: 'Original text' });
    const editorSession = sessionFor(editor, config);
    const page = await request(app).get(`/posts/${post.slug}/edit`).set('Cookie', s.cookie);
    expect(page.text).toContain(`name="version" value="${post.version}"`);

    const first = await edit(post.slug, { title: 'Shared draft', body: 'Editor text', version: String(post.version) }, editorSession);
    expect(first.status).toBe(303);
    const second = await edit(post.slug, { title: 'Shared draft', body: 'Author text', version: String(post.version) });
    expect(second.status).toBe(409);
    expect(second.text).toContain('Editor text');
    expect(second.text).toContain('Author text');
    expect(second.text).toContain('Ed Editor');

    const stored = await reload(post.slug);
    expect(stored.bodyMarkdown).toBe('Editor text');
    expect(stored.version).toBe(post.version + 1);
    expect(await PostRevision.countDocuments({ post: post._id })).toBe(1);
  });

  it('concurrent saves from one version: exactly one wins', async () => {
    const post = await makePost({ author, title: 'Race', body: 'Start' });
    const results = await Promise.allSettled(
      ['A', 'B', 'C'].map((tag) => updatePost(actorFor(author), post.slug, post.version, {
        title: 'Race', slug: '', bodyMarkdown: `Body ${tag}`, excerpt: '', tags: [], coverMediaId: null, coverAlt: '', intent: 'save', publishAt: null,
      })),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected' && (r.reason as { status?: number }).status === 409)).toHaveLength(2);
    expect((await reload(post.slug)).version).toBe(post.version + 1);
  });

  it('a save without its version is refused', async () => {
    const post = await makePost({ author, title: 'No version' });
    const res = await edit(post.slug, { title: 'Changed' });
    expect(res.status).toBe(422);
    expect((await reload(post.slug)).title).toBe('No version');
  });
});

describe('revisions', () => {
  it('every changing save keeps the previous title and body, with who and when; the edit page lists them; restore brings one back', async () => {
    const post = await makePost({ author, title: 'Version one', body: 'Body one' });
    await edit(post.slug, { title: 'Version two', body: 'Body two', version: '1' }, sessionFor(editor, config));
    await edit(post.slug, { title: 'Version three', body: 'Body three', version: '2' });
    const revisions = await PostRevision.find({ post: post._id }).sort({ at: -1, _id: -1 }).lean();
    expect(revisions.map((r) => [r.title, r.bodyMarkdown, r.editorName])).toEqual([
      ['Version two', 'Body two', 'Ed Editor'],
      ['Version one', 'Body one', 'Ann Author'],
    ]);

    const page = await request(app).get(`/posts/${post.slug}/edit`).set('Cookie', s.cookie);
    expect(page.text).toContain('Version two');
    expect(page.text).toContain('Ed Editor');
    const oldest = revisions[1]!;
    expect(page.text).toContain(`/posts/${post.slug}/revisions/${String(oldest._id)}/restore`);

    const restore = await request(app)
      .post(`/posts/${post.slug}/revisions/${String(oldest._id)}/restore`)
      .set('Cookie', s.cookie)
      .type('form')
      .send({ _csrf: s.csrf, version: '3' });
    expect(restore.status).toBe(303);
    expect(await reload(post.slug)).toMatchObject({ title: 'Version one', bodyMarkdown: 'Body one', bodyHtml: '<p>Body one</p>', version: 4 });
    expect((await PostRevision.find({ post: post._id }).sort({ at: -1, _id: -1 }).lean())[0]).toMatchObject({ title: 'Version three' });

    const stale = await request(app)
      .post(`/posts/${post.slug}/revisions/${String(oldest._id)}/restore`)
      .set('Cookie', s.cookie)
      .type('form')
      .send({ _csrf: s.csrf, version: '3' });
    expect(stale.status).toBe(409);
  });

  it(`keeps only the newest ${REVISIONS_KEPT} per post`, async () => {
    // The versions of REVISIONS_KEPT + 1 earlier saves, written directly (53 saves through the service
    // took seconds and prove no more): the two saves below go past the cap, and each drops what is past it.
    const post = await makePost({ author, title: `Edit ${REVISIONS_KEPT + 1}` });
    const older = post.updatedAt.getTime() - (REVISIONS_KEPT + 2) * 1000;
    await PostRevision.insertMany(
      Array.from({ length: REVISIONS_KEPT + 1 }, (_, i) => ({ post: post._id, title: `Edit ${i}`, bodyMarkdown: `Body ${i}`, editor: author._id, editorName: 'Ann Author', at: new Date(older + i * 1000) })),
    );
    for (let i = REVISIONS_KEPT + 2; i <= REVISIONS_KEPT + 3; i++) {
      await updatePost(actorFor(author), post.slug, post.version + i - REVISIONS_KEPT - 2, {
        title: `Edit ${i}`, slug: '', bodyMarkdown: `Body ${i}`, excerpt: '', tags: [], coverMediaId: null, coverAlt: '', intent: 'save', publishAt: null,
      });
      expect(await PostRevision.countDocuments({ post: post._id })).toBe(REVISIONS_KEPT);
    }
    const kept = await PostRevision.find({ post: post._id }).sort({ at: -1, _id: -1 }).lean();
    expect(kept).toHaveLength(REVISIONS_KEPT);
    expect(kept[0]!.title).toBe(`Edit ${REVISIONS_KEPT + 2}`);
    expect(kept[kept.length - 1]!.title).toBe('Edit 3');
  });

  it('a save that changes neither title nor body adds no revision', async () => {
    const post = await makePost({ author, title: 'Same', body: 'Same body' });
    await edit(post.slug, { title: 'Same', body: 'Same body', tags: 'new tag', version: String(post.version) });
    expect(await PostRevision.countDocuments({ post: post._id })).toBe(0);
    expect((await reload(post.slug)).tags).toEqual(['new-tag']);
  });
});

describe('publishing and scheduling', () => {
  it('publish now, unpublish and schedule from the editor, each audited', async () => {
    const post = await makePost({ author, title: 'Lifecycle' });
    await edit(post.slug, { title: 'Lifecycle', intent: 'publish', version: '1' });
    const live = await reload(post.slug);
    expect(live.status).toBe('published');
    expect(live.publishedAt!.getTime()).toBeLessThanOrEqual(Date.now());
    expect((await request(app).get(`/posts/${post.slug}`)).status).toBe(200);

    await edit(post.slug, { title: 'Lifecycle', intent: 'draft', version: '2' });
    expect(await reload(post.slug)).toMatchObject({ status: 'draft', publishedAt: null });
    expect((await request(app).get(`/posts/${post.slug}`)).status).toBe(404);

    const at = new Date(Date.now() + 3 * 86_400_000);
    at.setUTCSeconds(0, 0);
    await edit(post.slug, { title: 'Lifecycle', intent: 'schedule', publishAt: at.toISOString().slice(0, 16), version: '3' });
    expect(await reload(post.slug)).toMatchObject({ status: 'published', publishedAt: at });
    expect((await request(app).get(`/posts/${post.slug}`)).status).toBe(404);

    const actions = await AuditEntry.find({ targetId: String(post._id) }).sort({ at: 1 }).lean();
    expect(actions.map((a) => a.action)).toEqual(['post.publish', 'post.unpublish', 'post.publish']);
    expect(actions[2]!.detail).toContain('scheduled for');
    expect(actions.every((a) => a.actorName === 'Ann Author' && a.ip)).toBe(true);
  });

  it('saving a scheduled post with a new time moves the schedule; saving without one keeps it', async () => {
    const post = await makePost({ author, title: 'Moving schedule', status: 'scheduled' });
    const later = new Date(post.publishedAt!.getTime() + 86_400_000);
    later.setUTCSeconds(0, 0);
    await edit(post.slug, { title: 'Moving schedule', publishAt: later.toISOString().slice(0, 16), version: String(post.version) });
    expect((await reload(post.slug)).publishedAt).toEqual(later);
    await edit(post.slug, { title: 'Moving schedule', version: String(post.version + 1) });
    expect(await reload(post.slug)).toMatchObject({ status: 'published', publishedAt: later });
  });

  it('a scheduled post appears by itself once its time passes, with no write and no cron', async () => {
    const soon = new Date(Date.now() + 60 * 60_000);
    const post = await makePost({ author, title: 'Appears later', status: 'scheduled', publishedAt: soon });
    const earlier = await makePost({ author, title: 'Published a moment ago', status: 'published', publishedAt: new Date(Date.now() - 1000) });
    expect((await request(app).get(`/posts/${earlier.slug}`)).status).toBe(200);
    expect((await request(app).get(`/posts/${post.slug}`)).status).toBe(404);
    expect((await request(app).get('/')).text).not.toContain('Appears later');
    expect((await request(app).get('/feed.xml')).text).not.toContain('Appears later');

    // Only the clock moves (timers stay real, so the database driver is unaffected).
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(soon.getTime() + 1000);
    expect((await request(app).get(`/posts/${post.slug}`)).status).toBe(200);
    expect((await request(app).get('/')).text).toContain('Appears later');
    expect((await request(app).get('/feed.xml')).text).toContain('Appears later');
  });

  it('the dashboard lists posts by status with their dates', async () => {
    const who = await makeUser({ role: 'author' });
    await makePost({ author: who, title: 'Dash draft' });
    await makePost({ author: who, title: 'Dash scheduled', status: 'scheduled' });
    await makePost({ author: who, title: 'Dash published', status: 'published' });
    const res = await request(app).get('/dashboard').set('Cookie', sessionFor(who, config).cookie);
    const section = (id: string) => res.text.split(`id="section-${id}"`)[1]!.split('</section>')[0]!;
    expect(section('draft')).toContain('Dash draft');
    expect(section('scheduled')).toContain('Dash scheduled');
    expect(section('published')).toContain('Dash published');
    expect(section('published')).toMatch(/<time datetime="\d{4}-\d\d-\d\dT/);
    expect(res.text).not.toContain('<th scope="col">Author</th>');
  });
});

describe('the dashboard lists', () => {
  it.each(['draft', 'scheduled', 'published'] as const)('page through %s posts with a cursor: every post once, in order', async (status) => {
    const who = await makeUser({ role: 'author' });
    const base = Date.now();
    for (let i = 0; i < 12; i++) {
      const publishedAt = status === 'draft' ? undefined : new Date(base + (status === 'scheduled' ? 1 : -1) * (i + 1) * 60_000);
      await makePost({ author: who, title: `${status} ${i}`, status, publishedAt });
    }
    const seen: string[] = [];
    let after: string | undefined;
    for (let page = 0; page < 5; page++) {
      const list = await listPosts({ status, authorId: String(who._id), after, limit: 5 });
      seen.push(...list.posts.map((p) => p.title));
      if (!list.next) break;
      after = list.next;
    }
    const expected = Array.from({ length: 12 }, (_, i) => `${status} ${i}`);
    // Drafts: last edited first; scheduled: soonest first; published: newest first.
    expect(seen).toEqual(status === 'draft' ? [...expected].reverse() : expected);
  });
});

describe('covers and images', () => {
  it('a cover comes from the library, with its alt text by default; the body records the images it shows', async () => {
    const media = await makeMedia(author, KITE);
    const other = await makeMedia(editor, { alt: 'Not for you', filename: 'kite.jpg', width: 1600, height: 900 });
    const body = `![inline](/uploads/media/${other.storageKey}/640.webp)`;
    const res = await create({ title: 'With cover', body, coverMediaId: String(media._id) });
    expect(res.status).toBe(303);
    const post = await reload('with-cover');
    expect(String(post.coverMediaId)).toBe(String(media._id));
    expect(post.coverAlt).toBe('A red kite over a hill');
    expect(post.mediaIds.map(String)).toEqual([String(other._id)]);

    const refused = await create({ title: 'Borrowed cover', coverMediaId: String(other._id) });
    expect(refused.status).toBe(422);
    expect(refused.text).toContain('Choose one of your own images.');

    const noAlt = await makeMedia(author, { ...KITE, alt: '' });
    const missingAlt = await create({ title: 'Cover without alt', coverMediaId: String(noAlt._id) });
    expect(missingAlt.status).toBe(422);
    expect(missingAlt.text).toContain('Describe the cover image');

    const editorPage = await request(app).get('/posts/with-cover/edit').set('Cookie', s.cookie);
    expect(editorPage.text).toContain(`id="cover-${String(media._id)}" value="${String(media._id)}" data-alt="A red kite over a hill" checked`);
    expect(editorPage.text).not.toContain(`id="cover-${String(other._id)}"`);
  });

  it('removing the cover clears it', async () => {
    const media = await makeMedia(author, KITE);
    const post = await makePost({ author, title: 'Cover then none', coverMediaId: String(media._id) });
    await edit(post.slug, { title: 'Cover then none', coverMediaId: '', version: String(post.version) });
    const stored = await reload(post.slug);
    expect(stored.coverMediaId).toBeUndefined();
    expect(stored.coverAlt).toBe('');
  });
});

describe('preview', () => {
  it('renders the unsaved form as the post would look, marked Preview and noindex, saving nothing', async () => {
    const res = await request(app)
      .post('/posts/preview')
      .set('Cookie', s.cookie)
      .type('form')
      .send({ _csrf: s.csrf, title: 'Preview me', body: '## Hello\n\n<script>alert(1)</script>Text', tags: 'Alpha' });
    expect(res.status).toBe(200);
    expect(res.text).toContain('<strong>Preview.</strong>');
    expect(res.text).toContain('<h1 id="post-title" class="post-title fw-bold mb-3">Preview me</h1>');
    expect(res.text).toContain('<h2>Hello</h2>');
    expect(res.text).not.toContain('<script>alert');
    expect(res.text).toContain('<meta name="robots" content="noindex">');
    expect(await Post.countDocuments({ title: 'Preview me' })).toBe(0);
  });

  it('refuses another user’s image as cover, as saving does, and never shows its files', async () => {
    const theirs = await makeMedia(editor, { ...KITE, alt: 'Editor’s private picture' });
    const mine = await makeMedia(author, { ...KITE, alt: 'My own picture' });
    const preview = (fields: Record<string, string>) =>
      request(app).post('/posts/preview').set('Cookie', s.cookie).type('form').send({ _csrf: s.csrf, title: 'Peek', ...fields });

    const refused = await preview({ coverMediaId: String(theirs._id) });
    expect(refused.status).toBe(422);
    expect(refused.text).toContain('Choose one of your own images.');
    expect(refused.text).not.toContain(theirs.storageKey!);

    const own = await preview({ coverMediaId: String(mine._id) });
    expect(own.status).toBe(200);
    expect(own.text).toContain(`/uploads/media/${mine.storageKey}/640.webp`);

    // A post that already has the editor's image as cover may be previewed with it, as it may be saved.
    const post = await makePost({ author, title: 'Cover given by an editor' });
    await Post.updateOne({ _id: post._id }, { $set: { coverMediaId: theirs._id, coverAlt: 'Given' } });
    const kept = await preview({ coverMediaId: String(theirs._id), postId: String(post._id) });
    expect(kept.status).toBe(200);
    expect(kept.text).toContain(`/uploads/media/${theirs.storageKey}/640.webp`);
  });
});

describe('deleting', () => {
  it('asks on a confirmation page, then deletes the post and its revisions, audited', async () => {
    const post = await makePost({ author, title: 'Doomed', status: 'published' });
    await edit(post.slug, { title: 'Doomed v2', version: String(post.version) });
    const confirm = await request(app).get(`/posts/${post.slug}/delete`).set('Cookie', s.cookie);
    expect(confirm.status).toBe(200);
    expect(confirm.text).toContain(`action="/posts/${post.slug}/delete"`);
    expect(confirm.text).toContain('Doomed v2');
    const res = await request(app).post(`/posts/${post.slug}/delete`).set('Cookie', s.cookie).type('form').send({ _csrf: s.csrf });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/dashboard');
    expect(await Post.exists({ _id: post._id })).toBeNull();
    expect(await PostRevision.countDocuments({ post: post._id })).toBe(0);
    expect(await AuditEntry.exists({ action: 'post.delete', targetId: String(post._id) })).not.toBeNull();
    expect((await request(app).get(`/posts/${post.slug}`)).status).toBe(404);
  });
});
