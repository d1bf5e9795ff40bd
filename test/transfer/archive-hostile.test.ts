// A Quire archive is a file like any other import: these archives are made by hand to be hostile, and
// the restore must keep to its rules (HTML rebuilt from source text, only named and real images stored,
// no links or paths out of the folder, local-only redirects, size limits), report bad items and go on.
// Then --merge: an archive never overwrites newer content.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { createGzip } from 'node:zlib';
import mongoose from 'mongoose';
import { Header } from 'tar';
import { beforeAll, describe, expect, it } from 'vitest';
import { Post } from '../../src/posts/post.model.js';
import { Redirect } from '../../src/site/redirect.model.js';
import { Media } from '../../src/media/media.model.js';
import { importArchive, ImportRefused } from '../../src/transfer/archive-import.js';
import type { ImportReport } from '../../src/transfer/import-report.js';
import request from 'supertest';
import { User } from '../../src/users/user.model.js';
import { testApp } from '../support/app.js';
import { postSignIn } from '../support/auth.js';
import { DEFAULT_PASSWORD, makeUser } from '../support/factories.js';
import { sessionFor } from '../support/session.js';
import { filesUnder, makeImage } from '../support/media.js';
import { makePost } from '../support/posts.js';
import { exportToFile, freshDatabase, tempDir, tempStorage } from './support.js';

const { EJSON } = mongoose.mongo.BSON;
const LIMITS = { maxBytes: 64 * 1024 * 1024, maxImageBytes: 10 * 1024 * 1024 };

interface Entry {
  path: string;
  data?: Buffer | string;
  type?: 'File' | 'SymbolicLink' | 'Directory';
  linkpath?: string;
}

async function handMadeArchive(entries: Entry[]): Promise<string> {
  const file = join(tempDir(), 'hostile.tar.gz');
  const gzip = createGzip();
  const out = createWriteStream(file);
  gzip.pipe(out);
  for (const e of entries) {
    const data = Buffer.from(e.data ?? '');
    const block = Buffer.alloc(512);
    new Header({ path: e.path, size: e.type && e.type !== 'File' ? 0 : data.length, mode: 0o644, mtime: new Date(), type: e.type ?? 'File', linkpath: e.linkpath }).encode(block, 0);
    gzip.write(block);
    if (!e.type || e.type === 'File') {
      gzip.write(data);
      if (data.length % 512) gzip.write(Buffer.alloc(512 - (data.length % 512)));
    }
  }
  gzip.end(Buffer.alloc(1024));
  await once(out, 'close');
  return file;
}

const ndjson = (docs: object[]) => docs.map((d) => EJSON.stringify(d, { relaxed: true })).join('\n') + '\n';
const manifest = JSON.stringify({ format: 'quire-archive', version: 1, createdAt: new Date().toISOString(), counts: {} });

describe('a hostile Quire archive', () => {
  const authorId = new mongoose.Types.ObjectId();
  const key = 'a'.repeat(32);
  let storage: ReturnType<typeof tempStorage>;
  let report: ImportReport;

  beforeAll(async () => {
    storage = tempStorage();
    const jpeg = await makeImage('jpeg', 100, 80);
    const file = await handMadeArchive([
      { path: 'manifest.json', data: manifest },
      { path: 'users.ndjson', data: ndjson([{ _id: authorId, username: 'mallory', email: 'm@example.test', displayName: 'Mallory', role: 'author', passwordHash: 'x' }]) },
      {
        path: 'posts.ndjson',
        data:
          ndjson([
            { _id: new mongoose.Types.ObjectId(), title: 'Sneaky', slug: 'sneaky', bodyMarkdown: 'Plain words.', bodyHtml: '<script>alert(1)</script>', author: authorId, status: 'published', publishedAt: new Date(Date.now() - 1000) },
            { _id: new mongoose.Types.ObjectId(), title: 'Bad status', slug: 'bad-status', author: authorId, status: 'bogus' },
          ]) + 'this line is not JSON\n',
      },
      {
        path: 'media.ndjson',
        data: ndjson([
          { _id: new mongoose.Types.ObjectId(), owner: authorId, filename: 'ok.jpg', storageKey: key, format: 'jpeg', width: 100, height: 80, bytes: jpeg.length, originalKey: `media/${key}/original.jpg`, variants: [] },
          { _id: new mongoose.Types.ObjectId(), owner: authorId, filename: 'page.jpg', storageKey: 'b'.repeat(32), format: 'jpeg', width: 1, height: 1, bytes: 10, originalKey: `media/${'b'.repeat(32)}/original.jpg`, variants: [] },
          { _id: new mongoose.Types.ObjectId(), owner: authorId, filename: 'elsewhere.jpg', storageKey: 'c'.repeat(32), format: 'jpeg', width: 1, height: 1, bytes: 10, originalKey: `media/${key}/original.jpg`, variants: [] },
        ]),
      },
      { path: 'redirects.ndjson', data: ndjson([{ _id: new mongoose.Types.ObjectId(), path: '/old', to: '//evil.example/phish' }]) },
      { path: `media/media/${key}/original.jpg`, data: jpeg },
      { path: `media/media/${'b'.repeat(32)}/original.jpg`, data: '<html><script>alert(1)</script></html>' },
      { path: `media/media/${key}/evil.html`, data: '<script>alert(1)</script>' },
      { path: '../../escaped.txt', data: 'out of the folder' },
      { path: 'media/link', type: 'SymbolicLink', linkpath: '/etc/passwd' },
    ]);
    report = await importArchive(file, { storage, ...LIMITS });
  });

  it('reports each bad item with its reason and imports the rest', () => {
    const lines = report.errors.map((e) => `${e.type} ${e.item}: ${e.reason}`);
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^posts .*: .*bogus/),
        expect.stringMatching(/^posts line 3: /),
        expect.stringMatching(/^media page\.jpg .*not an accepted image/),
        expect.stringMatching(/^media elsewhere\.jpg .*outside the image's folder/),
        expect.stringMatching(/^redirects .*/),
      ]),
    );
    expect(report.counts.posts!.created).toBe(1);
    expect(report.counts.media!.created).toBe(1);
  });

  it('renders HTML again from the source text instead of trusting the file', async () => {
    const post = (await Post.findOne({ slug: 'sneaky' }).lean())!;
    expect(post.bodyHtml).toBe('<p>Plain words.</p>');
  });

  it('stores only the image files that records name and that are images; no links, no paths out', async () => {
    expect(filesUnder(storage.directory)).toEqual([`media/${key}/original.jpg`]);
    expect(await Media.countDocuments()).toBe(1);
    expect(await Redirect.countDocuments()).toBe(0);
  });

  it('refuses an archive that unpacks to more than the limit, and a file without a manifest', async () => {
    const big = await handMadeArchive([{ path: 'manifest.json', data: manifest }, { path: 'posts.ndjson', data: 'x'.repeat(4096) }]);
    await expect(importArchive(big, { storage, maxBytes: 2048, maxImageBytes: 1024 })).rejects.toThrow(/more than/);
    const none = await handMadeArchive([{ path: 'posts.ndjson', data: '' }]);
    await expect(importArchive(none, { storage, ...LIMITS })).rejects.toBeInstanceOf(ImportRefused);
  });
});

describe('restore and --merge', () => {
  it('refuses to restore over a site with other accounts unless merging, and merging keeps newer content', async () => {
    await freshDatabase();
    const author = await makeUser({ role: 'author' });
    const older = await makePost({ author, title: 'Edited here later', slug: 'edited-here', status: 'published' });
    const stale = await makePost({ author, title: 'Edited in the archive', slug: 'edited-there', status: 'published' });
    const storage = tempStorage();
    const archive = await exportToFile(storage);

    // After the export: one post is changed here (newer than the archive), the other one is made older.
    await Post.updateOne({ _id: older._id }, { $set: { title: 'Newer title here', updatedAt: new Date(Date.now() + 60_000) } }, { timestamps: false });
    await Post.updateOne({ _id: stale._id }, { $set: { title: 'Stale title here', updatedAt: new Date(2000, 0, 1) } }, { timestamps: false });
    await makeUser({ role: 'reader', username: 'not-in-archive' });

    await expect(importArchive(archive, { storage, ...LIMITS })).rejects.toThrow(/--merge/);
    const report = await importArchive(archive, { storage, merge: true, ...LIMITS });
    expect(report.counts.posts).toMatchObject({ updated: 1, skipped: 1, failed: 0 });
    expect((await Post.findById(older._id).lean())!.title).toBe('Newer title here');
    expect((await Post.findById(stale._id).lean())!.title).toBe('Edited in the archive');

    const dry = await importArchive(archive, { storage, merge: true, dryRun: true, ...LIMITS });
    expect(dry.counts.posts).toMatchObject({ updated: 0, created: 0 });
  });

  it('merging a newer copy of an account keeps its password; a restored account opens to no earlier session', async () => {
    await freshDatabase();
    const { app, config } = testApp();
    const user = await makeUser({ role: 'author', username: 'keeper', bio: 'old bio' });
    const oldSession = sessionFor(user, config);
    expect((await request(app).get('/account').set('Cookie', oldSession.cookie)).status).toBe(200);
    await User.updateOne({ _id: user._id }, { $set: { bio: 'archived bio', updatedAt: new Date(Date.now() + 60_000) } }, { timestamps: false });
    const storage = tempStorage();
    const archive = await exportToFile(storage);
    await User.updateOne({ _id: user._id }, { $set: { bio: 'old bio', updatedAt: new Date(2000, 0, 1) } }, { timestamps: false });

    const merged = await importArchive(archive, { storage, merge: true, ...LIMITS });
    expect(merged.counts.users).toMatchObject({ updated: 1 });
    expect((await User.findById(user._id).lean())!.bio).toBe('archived bio');
    expect((await postSignIn(app, config, { identifier: 'keeper', password: DEFAULT_PASSWORD })).status).toBe(303);

    // The same archive restored into an empty site: the account is back, its earlier session is not.
    await freshDatabase();
    await importArchive(archive, { storage, ...LIMITS });
    expect(await User.exists({ _id: user._id })).not.toBeNull();
    const res = await request(app).get('/account').set('Cookie', oldSession.cookie);
    expect(res.status).toBe(303);
    expect(res.headers.location).toMatch(/^\/signin/);
  });
});
