// The library: who sees and manages which images, deleting every variant, asking before deleting an
// image that posts use, editing alt text.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import mongoose from 'mongoose';
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { AuditEntry } from '../../src/site/audit.model.js';
import { LIBRARY_PAGE_SIZE } from '../../src/media/media-library.js';
import { Media } from '../../src/media/media.model.js';
import { Page } from '../../src/pages/page.model.js';
import { Post } from '../../src/posts/post.model.js';
import { testApp } from '../support/app.js';
import { postForm } from '../support/comments.js';
import { makeUser } from '../support/factories.js';
import { filesUnder, makeImage, upload } from '../support/media.js';
import { anonymousSession, sessionFor, type TestSession } from '../support/session.js';

const { app, config } = testApp();
let reader: TestSession;
let author: TestSession;
let otherAuthor: TestSession;
let editor: TestSession;
let authorId: string;
let otherAuthorName: string;

beforeAll(async () => {
  const a = await makeUser({ role: 'author', displayName: 'Ada Author' });
  const o = await makeUser({ role: 'author', displayName: 'Otto Other' });
  authorId = String(a._id);
  otherAuthorName = o.displayName;
  reader = sessionFor(await makeUser({ role: 'reader' }), config);
  author = sessionFor(a, config);
  otherAuthor = sessionFor(o, config);
  editor = sessionFor(await makeUser({ role: 'editor', displayName: 'Eda Editor' }), config);
});

async function uploaded(session: TestSession, filename: string, width = 700): Promise<string> {
  const res = await upload(app, session, await makeImage('jpeg', width, Math.round(width / 2)), { filename, alt: `Alt of ${filename}` });
  expect(res.status).toBe(303);
  const media = await Media.findOne({ filename }).sort({ _id: -1 }).lean();
  folders.set(String(media!._id), join(config.uploadDir, 'media', media!.storageKey!));
  return String(media!._id);
}

/** Where an uploaded image's files are: the folder named by its random storage key. */
const folders = new Map<string, string>();
const folderOf = (id: string) => folders.get(id)!;

const del = (session: TestSession, id: string, confirm?: string) =>
  request(app)
    .post(`/media/${id}/delete`)
    .set('Cookie', session.cookie)
    .type('form')
    .send({ _csrf: session.csrf, ...(confirm ? { confirm } : {}) });

describe('who may use the library', () => {
  it('anonymous visitors are sent to sign in', async () => {
    const res = await request(app).get('/media');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/signin?next=%2Fmedia');
  });

  it('readers get 403 on the page and on uploads, and nothing is stored', async () => {
    expect((await request(app).get('/media').set('Cookie', reader.cookie)).status).toBe(403);
    const res = await upload(app, reader, await makeImage('jpeg'), { filename: 'reader.jpg' });
    expect(res.status).toBe(403);
    expect(await Media.exists({ filename: 'reader.jpg' })).toBeNull();
  });

  it('an anonymous upload (with a valid CSRF token) is sent to sign in, nothing stored', async () => {
    const anon = anonymousSession(config);
    const res = await upload(app, anon, await makeImage('jpeg'), { filename: 'anon.jpg' });
    expect(res.status).toBe(303);
    expect(await Media.exists({ filename: 'anon.jpg' })).toBeNull();
  });
});

describe('seeing images', () => {
  let mine: string;
  let theirs: string;
  beforeAll(async () => {
    mine = await uploaded(author, 'mine.jpg');
    theirs = await uploaded(otherAuthor, 'theirs.jpg');
  });

  it('authors see their own images only', async () => {
    const res = await request(app).get('/media').set('Cookie', author.cookie);
    expect(res.status).toBe(200);
    expect(res.text).toContain('mine.jpg');
    expect(res.text).not.toContain('theirs.jpg');
  });

  it('editors see everyone’s, with who uploaded them', async () => {
    const res = await request(app).get('/media').set('Cookie', editor.cookie);
    expect(res.text).toContain('mine.jpg');
    expect(res.text).toContain('theirs.jpg');
    expect(res.text).toContain(`By ${otherAuthorName}`);
  });

  it('the grid uses responsive images: srcset, sizes, width, height, lazy loading and the alt text', async () => {
    const res = await request(app).get('/media').set('Cookie', author.cookie);
    const img = /<img [^>]*alt="Alt of mine\.jpg"[^>]*>/.exec(res.text)?.[0];
    expect(img).toBeDefined();
    const key = (await Media.findById(mine).lean())!.storageKey!;
    expect(img).toContain(`srcset="/uploads/media/${key}/320.webp 320w, /uploads/media/${key}/640.webp 640w, /uploads/media/${key}/700.webp 700w"`);
    expect(img).toMatch(/ sizes="[^"]+"/);
    expect(img).toContain('width="700"');
    expect(img).toContain('height="350"');
    expect(img).toContain('loading="lazy"');
    expect(res.text).toMatch(/action="\/media\?_csrf=[^"]+"/);
  });

  it('an author opening another author’s image gets 403; an editor may', async () => {
    expect((await request(app).get(`/media/${theirs}`).set('Cookie', author.cookie)).status).toBe(403);
    expect((await request(app).get(`/media/${theirs}`).set('Cookie', editor.cookie)).status).toBe(200);
    expect((await request(app).get(`/media/${mine}`).set('Cookie', author.cookie)).status).toBe(200);
  });

  it('unknown and malformed ids are 404', async () => {
    expect((await request(app).get(`/media/${new mongoose.Types.ObjectId()}`).set('Cookie', author.cookie)).status).toBe(404);
    expect((await request(app).get('/media/not-an-id').set('Cookie', author.cookie)).status).toBe(404);
  });
});

describe('alt text', () => {
  it('the owner edits it; it is required; others get 403', async () => {
    const id = await uploaded(author, 'alt-edit.jpg');
    const save = (session: TestSession, alt: string) =>
      request(app).post(`/media/${id}`).set('Cookie', session.cookie).type('form').send({ _csrf: session.csrf, alt });
    const ok = await save(author, '  A lighthouse\nat dusk ');
    expect(ok.status).toBe(303);
    expect(ok.headers.location).toBe(`/media/${id}`);
    expect((await Media.findById(id).lean())!.alt).toBe('A lighthouse at dusk');
    const empty = await save(author, ' ');
    expect(empty.status).toBe(422);
    expect(empty.text).toContain('Alt text is required.');
    expect((await save(otherAuthor, 'Hijacked')).status).toBe(403);
    expect((await Media.findById(id).lean())!.alt).toBe('A lighthouse at dusk');
  });
});

describe('deleting', () => {
  it('removes the record and every stored file (the image’s folder is gone), and is audited', async () => {
    const id = await uploaded(author, 'to-delete.jpg', 2000);
    const dir = folderOf(id);
    expect(filesUnder(dir)).toHaveLength(5);
    const res = await del(author, id);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/media');
    expect(await Media.exists({ _id: id })).toBeNull();
    expect(existsSync(dir)).toBe(false);
    const entry = await AuditEntry.findOne({ action: 'media.delete', targetId: id }).lean();
    expect(entry).toMatchObject({ actorName: 'Ada Author', targetLabel: 'to-delete.jpg' });
  });

  it('an author may not delete another author’s image: 403, nothing removed', async () => {
    const id = await uploaded(otherAuthor, 'not-yours.jpg');
    expect((await del(author, id, 'yes')).status).toBe(403);
    expect(await Media.exists({ _id: id })).not.toBeNull();
    expect(filesUnder(folderOf(id)).length).toBeGreaterThan(0);
  });

  it('an editor may delete anyone’s image', async () => {
    const id = await uploaded(otherAuthor, 'editor-deletes.jpg');
    expect((await del(editor, id)).status).toBe(303);
    expect(await Media.exists({ _id: id })).toBeNull();
    expect(existsSync(folderOf(id))).toBe(false);
  });

  it('a reader gets 403', async () => {
    const id = await uploaded(author, 'reader-cannot.jpg');
    expect((await del(reader, id, 'yes')).status).toBe(403);
    expect(await Media.exists({ _id: id })).not.toBeNull();
  });

  it('needs the CSRF token', async () => {
    const id = await uploaded(author, 'csrf-delete.jpg');
    const res = await request(app).post(`/media/${id}/delete`).set('Cookie', author.cookie).type('form').send({ confirm: 'yes' });
    expect(res.status).toBe(403);
    expect(await Media.exists({ _id: id })).not.toBeNull();
  });
});

describe('an image in use', () => {
  let id: string;
  let coverPost: mongoose.Types.ObjectId;
  let bodyPost: mongoose.Types.ObjectId;
  beforeAll(async () => {
    id = await uploaded(author, 'in-use.jpg');
    const media = new mongoose.Types.ObjectId(id);
    coverPost = (await Post.create({ title: 'Cover story', slug: 'cover-story', author: authorId, coverMediaId: media, coverAlt: 'x' }))._id;
    bodyPost = (await Post.create({ title: 'Body story', slug: 'body-story', author: authorId, mediaIds: [media] }))._id;
    // A static page written through its editor, showing the image in its text.
    const doc = (await Media.findById(id).lean())!;
    const largest = [...doc.variants].sort((a, b) => b.width - a.width)[0]!;
    const saved = await postForm(app, editor, '/admin/pages', { title: 'Gallery', slug: 'gallery', body: `Look: ![in use](/uploads/${largest.key})`, status: 'published' });
    expect(saved.status).toBe(303);
  });

  it('says where it is used, in the grid: posts and pages', async () => {
    expect((await Page.findOne({ slug: 'gallery' }).lean())!.mediaIds.map(String)).toEqual([id]);
    const res = await request(app).get('/media').set('Cookie', author.cookie);
    expect(res.text).toContain('Used in 2 posts and 1 page');
    expect(res.text).toContain('href="/posts/cover-story/edit"');
    expect(res.text).toContain('href="/posts/body-story/edit"');
    expect(res.text).toContain('href="/admin/pages/gallery/edit"');
  });

  it('is not deleted without an explicit confirmation: 409 with the page that asks', async () => {
    const res = await del(author, id);
    expect(res.status).toBe(409);
    expect(res.text).toContain('Cover story');
    expect(res.text).toContain('Body story');
    expect(res.text).toContain('Gallery</a> (page)');
    expect(res.text).toContain('name="confirm" value="yes"');
    expect(await Media.exists({ _id: id })).not.toBeNull();
    expect(filesUnder(folderOf(id)).length).toBeGreaterThan(0);
    expect((await del(author, id, 'no')).status).toBe(409);
    expect(await Media.exists({ _id: id })).not.toBeNull();
  });

  it('the confirmation page is also reachable by GET', async () => {
    const res = await request(app).get(`/media/${id}/delete`).set('Cookie', author.cookie);
    expect(res.status).toBe(200);
    expect(res.text).toContain('Cover story');
  });

  it('with confirm=yes it is deleted, and posts and pages lose it as cover and as a body image', async () => {
    const versionBefore = (await Post.findById(coverPost).lean())!.version;
    const res = await del(author, id, 'yes');
    expect(res.status).toBe(303);
    expect(await Media.exists({ _id: id })).toBeNull();
    expect(existsSync(folderOf(id))).toBe(false);
    const cover = (await Post.findById(coverPost).lean())!;
    expect(cover.coverMediaId ?? null).toBeNull();
    expect(cover.version).toBe(versionBefore + 1);
    expect((await Post.findById(bodyPost).lean())!.mediaIds).toEqual([]);
    expect((await Page.findOne({ slug: 'gallery' }).lean())!.mediaIds).toEqual([]);
  });
});

describe('paging', () => {
  it('shows a page at a time, newest first, with a link to older images', async () => {
    const owner = await makeUser({ role: 'author' });
    const session = sessionFor(owner, config);
    const docs = Array.from({ length: LIBRARY_PAGE_SIZE + 2 }, (_, i) => {
      const _id = new mongoose.Types.ObjectId();
      return {
        _id,
        owner: owner._id,
        filename: `paged-${String(i).padStart(2, '0')}.jpg`,
        alt: 'Paged',
        format: 'jpeg',
        width: 10,
        height: 10,
        bytes: 1,
        originalKey: `media/${_id}/original.jpg`,
        variants: [],
      };
    });
    for (const d of docs) await Media.create(d);
    const first = await request(app).get('/media').set('Cookie', session.cookie);
    expect(first.text).toContain(`paged-${LIBRARY_PAGE_SIZE + 1}.jpg`);
    expect(first.text).not.toContain('paged-01.jpg');
    const older = /href="(\/media\?before=[a-f0-9]{24})"/.exec(first.text)?.[1];
    expect(older).toBeDefined();
    const second = await request(app).get(older!).set('Cookie', session.cookie);
    expect(second.text).toContain('paged-00.jpg');
    expect(second.text).toContain('paged-01.jpg');
    expect(second.text).not.toContain('paged-02.jpg');
    expect(second.text).not.toContain('Older images');
  });
});
