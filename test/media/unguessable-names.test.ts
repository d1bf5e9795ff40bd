// Uploads are served under random 128-bit names, never under names made from ObjectIds (which are
// sequential, so images used only in drafts could be found by walking the ids). Older records are moved
// by migration 0003: files copied, bodies pointed at the new URLs, old files removed; resumable.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import mongoose from 'mongoose';
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { unguessableMediaKeys } from '../../src/schema/migrations/0003-unguessable-media-keys.js';
import { Media } from '../../src/media/media.model.js';
import { LocalDiskStorage, type Storage } from '../../src/media/storage.js';
import { Post } from '../../src/posts/post.model.js';
import { PostRevision } from '../../src/posts/revision.model.js';
import { testApp } from '../support/app.js';
import { makeUser } from '../support/factories.js';
import { filesUnder, makeImage, upload } from '../support/media.js';
import { makePost } from '../support/posts.js';
import { sessionFor, type TestSession } from '../support/session.js';

const { app, config } = testApp();
let author: TestSession;
let authorUser: Awaited<ReturnType<typeof makeUser>>;

beforeAll(async () => {
  authorUser = await makeUser({ role: 'author' });
  author = sessionFor(authorUser, config);
});

describe('new uploads', () => {
  it('get a random 128-bit storage name, different for every image and unrelated to the id', async () => {
    const ids: string[] = [];
    for (const filename of ['one.jpg', 'two.jpg', 'three.jpg']) {
      expect((await upload(app, author, await makeImage('jpeg', 700, 400), { filename })).status).toBe(303);
      ids.push(String((await Media.findOne({ filename }).lean())!._id));
    }
    const docs = await Media.find({ _id: mongoose.trusted({ $in: ids }) }).lean();
    const keys = docs.map((d) => d.storageKey!);
    expect(new Set(keys).size).toBe(3);
    for (const d of docs) {
      // 32 hex digits = 128 bits, the folder of every file of the image.
      expect(d.storageKey).toMatch(/^[a-f0-9]{32}$/);
      expect(d.storageKey).not.toContain(String(d._id));
      for (const key of [d.originalKey, ...d.variants.map((v) => v.key)]) {
        expect(key.startsWith(`media/${d.storageKey}/`)).toBe(true);
        expect(key).not.toContain(String(d._id));
      }
    }
    for (const file of filesUnder(config.uploadDir)) {
      expect(ids.some((id) => file.includes(id))).toBe(false);
    }
  });

  it('are served under their random name, and the old id-based URL is 404', async () => {
    expect((await upload(app, author, await makeImage('jpeg', 700, 400), { filename: 'draft-only.jpg' })).status).toBe(303);
    const media = (await Media.findOne({ filename: 'draft-only.jpg' }).lean())!;
    expect((await request(app).get(`/uploads/${media.originalKey}`)).status).toBe(200);
    expect((await request(app).get(`/uploads/${media.variants[0]!.key}`)).status).toBe(200);
    for (const file of ['original.jpg', '320.webp', '640.webp']) {
      expect((await request(app).get(`/uploads/media/${String(media._id)}/${file}`)).status).toBe(404);
    }
  });

  it('a body that shows an image records it by its key, so the library knows where it is used', async () => {
    expect((await upload(app, author, await makeImage('jpeg', 700, 400), { filename: 'in-body.jpg' })).status).toBe(303);
    const media = (await Media.findOne({ filename: 'in-body.jpg' }).lean())!;
    const post = await makePost({ author: authorUser, title: 'Shows an image', body: `![x](/uploads/${media.variants[1]!.key})` });
    expect(post.mediaIds.map(String)).toEqual([String(media._id)]);
    // An id-based URL names nothing any more.
    const old = await makePost({ author: authorUser, title: 'Old URL', body: `![x](/uploads/media/${String(media._id)}/640.webp)` });
    expect(old.mediaIds).toEqual([]);
  });
});

describe('migration 0003 (records made before random names)', () => {
  /** A record as Quire stored it before: files under media/<id>/, no storageKey. */
  async function legacyImage(storageDir: string, filename: string) {
    const _id = new mongoose.Types.ObjectId();
    const prefix = `media/${String(_id)}`;
    const files: Record<string, Buffer> = {
      [`${prefix}/original.jpg`]: await makeImage('jpeg', 700, 400),
      [`${prefix}/320.webp`]: await makeImage('webp', 320, 183),
      [`${prefix}/640.webp`]: await makeImage('webp', 640, 366),
    };
    for (const [key, data] of Object.entries(files)) {
      mkdirSync(dirname(join(storageDir, key)), { recursive: true });
      writeFileSync(join(storageDir, key), data);
    }
    await Media.collection.insertOne({
      _id,
      owner: authorUser._id,
      filename,
      alt: 'Old',
      format: 'jpeg',
      width: 700,
      height: 400,
      bytes: files[`${prefix}/original.jpg`]!.length,
      originalKey: `${prefix}/original.jpg`,
      variants: [
        { width: 320, height: 183, key: `${prefix}/320.webp`, bytes: 1 },
        { width: 640, height: 366, key: `${prefix}/640.webp`, bytes: 1 },
      ],
      createdAt: new Date(),
      updatedAt: new Date(),
    });
    return { _id, prefix, files };
  }

  it('moves the files to a random name, rewrites bodies and revisions, removes the old files; a rerun changes nothing', async () => {
    const { app: migratedApp, config: cfg } = testApp();
    const storage = new LocalDiskStorage(cfg.uploadDir, '/uploads');
    const old = await legacyImage(cfg.uploadDir, 'legacy.jpg');
    const body = `Look: ![old](/uploads/${old.prefix}/640.webp) and [the media page](/media/${String(old._id)}/delete).`;
    const post = await Post.collection.insertOne({
      title: 'Legacy', slug: `legacy-${String(old._id)}`, bodyMarkdown: body, bodyHtml: `<p><img src="/uploads/${old.prefix}/640.webp"></p>`,
      status: 'draft', author: authorUser._id, mediaIds: [old._id], tags: [], version: 1, previousSlugs: [],
    });
    const revision = await PostRevision.collection.insertOne({ post: post.insertedId, title: 'Legacy', bodyMarkdown: body, at: new Date() });

    await unguessableMediaKeys.up(mongoose.connection, { storage });

    const moved = (await Media.findById(old._id).lean())!;
    expect(moved.storageKey).toMatch(/^[a-f0-9]{32}$/);
    const newPrefix = `media/${moved.storageKey}`;
    expect(moved.originalKey).toBe(`${newPrefix}/original.jpg`);
    expect(moved.variants.map((v) => v.key)).toEqual([`${newPrefix}/320.webp`, `${newPrefix}/640.webp`]);
    expect((moved as unknown as { legacyPrefix?: string }).legacyPrefix).toBeUndefined();
    for (const [key, data] of Object.entries(old.files)) {
      const to = `${newPrefix}${key.slice(old.prefix.length)}`;
      expect(readFileSync(join(cfg.uploadDir, to)).equals(data)).toBe(true);
      expect((await request(migratedApp).get(`/uploads/${to}`)).status).toBe(200);
      expect((await request(migratedApp).get(`/uploads/${key}`)).status).toBe(404);
    }
    expect(existsSync(join(cfg.uploadDir, old.prefix))).toBe(false);

    const storedPost = (await Post.findById(post.insertedId).lean())!;
    expect(storedPost.bodyMarkdown).toBe(`Look: ![old](/uploads/${newPrefix}/640.webp) and [the media page](/media/${String(old._id)}/delete).`);
    expect(storedPost.bodyHtml).toBe(`<p><img src="/uploads/${newPrefix}/640.webp"></p>`);
    expect((await PostRevision.findById(revision.insertedId).lean())!.bodyMarkdown).toBe(storedPost.bodyMarkdown);

    const before = filesUnder(cfg.uploadDir);
    await unguessableMediaKeys.up(mongoose.connection, { storage });
    expect(filesUnder(cfg.uploadDir)).toEqual(before);
    expect((await Media.findById(old._id).lean())!.storageKey).toBe(moved.storageKey);
  });

  it('resumes after an interruption: old files are kept until the record points at the copies, then removed', async () => {
    const { config: cfg } = testApp();
    const disk = new LocalDiskStorage(cfg.uploadDir, '/uploads');
    const old = await legacyImage(cfg.uploadDir, 'interrupted.jpg');
    // The process dies as it starts removing the old folder.
    const failing: Storage = {
      put: (k, d) => disk.put(k, d),
      get: (k) => disk.get(k),
      stream: (k) => disk.stream(k),
      head: (k) => disk.head(k),
      list: (p) => disk.list(p),
      delete: (k) => disk.delete(k),
      deletePrefix: async () => {
        throw new Error('killed');
      },
      url: (k) => disk.url(k),
    };
    await expect(unguessableMediaKeys.up(mongoose.connection, { storage: failing })).rejects.toThrow('killed');
    const halfway = (await Media.findById(old._id).lean())!;
    const key = halfway.storageKey!;
    expect(halfway.originalKey).toBe(`media/${key}/original.jpg`);
    expect(existsSync(join(cfg.uploadDir, old.prefix, 'original.jpg'))).toBe(true);
    expect(existsSync(join(cfg.uploadDir, `media/${key}/original.jpg`))).toBe(true);

    await unguessableMediaKeys.up(mongoose.connection, { storage: disk });
    const done = (await Media.findById(old._id).lean())!;
    expect(done.storageKey).toBe(key);
    expect((done as unknown as { legacyPrefix?: string }).legacyPrefix).toBeUndefined();
    expect(existsSync(join(cfg.uploadDir, old.prefix))).toBe(false);
    expect(readFileSync(join(cfg.uploadDir, done.originalKey)).equals(old.files[`${old.prefix}/original.jpg`]!)).toBe(true);
  });
});
