// The Quire archive: export -> import into a fresh database -> export again gives the same archive apart
// from its creation time (at EXPORT_BATCH + 1 posts, with media, comments, revisions and settings), a second import
// changes nothing, and the restored site serves the content.
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { Comment } from '../../src/comments/comment.model.js';
import { renderCommentBody, fingerprintOf } from '../../src/comments/comment-text.js';
import { uploadMedia } from '../../src/media/media.service.js';
import { Media } from '../../src/media/media.model.js';
import { Post } from '../../src/posts/post.model.js';
import { PostRevision } from '../../src/posts/revision.model.js';
import { rememberTags } from '../../src/posts/tags.js';
import { saveSettings, DEFAULT_SETTINGS } from '../../src/site/settings.service.js';
import { importArchive } from '../../src/transfer/archive-import.js';
import { EXPORT_BATCH } from '../../src/transfer/export.service.js';
import { User } from '../../src/users/user.model.js';
import { testApp } from '../support/app.js';
import { DEFAULT_PASSWORD, makeUser } from '../support/factories.js';
import { makeImage } from '../support/media.js';
import { postSignIn } from '../support/auth.js';
import { archiveContents, exportToFile, freshDatabase, insertPosts, tempStorage } from './support.js';

const LIMITS = { maxBytes: 64 * 1024 * 1024, maxImageBytes: 10 * 1024 * 1024 };
// One post more than a batch (the export reads EXPORT_BATCH documents at a time, the import writes 500 at
// a time): both cross a batch boundary and end on a partial batch. Thousands more would prove nothing
// more and cost the suite seconds of CPU. Through two exports and an import: minutes beside a loaded suite.
const POSTS = EXPORT_BATCH + 1;
const SLOW = { timeout: 240_000 };

describe('Quire archive round trip', () => {
  const before = tempStorage();
  let first: string;
  let mediaKey: string;

  beforeAll(async () => {
    const admin = await makeUser({ role: 'admin', username: 'ada' });
    const author = await makeUser({ role: 'author', username: 'bob' });
    await saveSettings({ ...DEFAULT_SETTINGS, title: 'Round trip', tagline: 'there and back' });
    const actor = { id: String(author._id), role: 'author' as const, displayName: author.displayName };
    const image = await uploadMedia(actor, { buffer: await makeImage('jpeg', 800, 600), originalname: 'cover.jpg' }, 'A cover', before);
    mediaKey = image.storageKey!;
    await rememberTags([{ slug: 'odd', name: 'Odd' }, { slug: 'even', name: 'Even' }]);
    const posts = await insertPosts(author, POSTS, (i) => (i === 1 ? { coverMediaId: image._id, coverAlt: 'A cover', mediaIds: [image._id] } : {}));
    await PostRevision.insertMany([{ post: posts[1]!._id, title: 'Older title', bodyMarkdown: 'older', editor: author._id, editorName: 'Bo', at: new Date(Date.now() - 1000) }]);
    const body = 'Nice post, see https://example.org <script>alert(1)</script>';
    await Comment.insertMany([
      { post: posts[1]!._id, postAuthor: author._id, author: admin._id, body, bodyHtml: renderCommentBody(body), fingerprint: fingerprintOf(body), status: 'approved' },
    ]);
    first = await exportToFile(before, { withRevisions: true });
  });

  it('writes a manifest, NDJSON per collection and the media files, without password hashes', SLOW, async () => {
    const files = await archiveContents(first);
    const manifest = JSON.parse(files.get('manifest.json')!.toString());
    expect(manifest).toMatchObject({ format: 'quire-archive', version: 1, withPasswordHashes: false, media: 4 });
    expect(manifest.counts).toMatchObject({ posts: POSTS, users: 2, tags: 2, comments: 1, media: 1, settings: 1, post_revisions: 1 });
    const users = files.get('users.ndjson')!.toString();
    expect(users).toContain('"username":"ada"');
    expect(users).not.toContain('passwordHash');
    expect(users).not.toContain('scrypt');
    expect([...files.keys()].filter((k) => k.startsWith(`media/media/${mediaKey}/`))).toHaveLength(4);
  });

  it('restores into a fresh database and exports the same archive again, apart from timestamps', SLOW, async () => {
    await freshDatabase();
    const after = tempStorage();
    const report = await importArchive(first, { storage: after, ...LIMITS });
    expect(report.errors).toEqual([]);
    expect(report.counts.posts).toEqual({ created: POSTS, updated: 0, skipped: 0, failed: 0 });
    expect(report.counts.media!.created).toBe(1);

    const second = await exportToFile(after, { withRevisions: true });
    const a = await archiveContents(first);
    const b = await archiveContents(second);
    expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
    for (const [path, bytes] of a) {
      if (path === 'manifest.json') continue;
      if (path.endsWith('.ndjson')) expect(b.get(path)!.toString(), path).toBe(bytes.toString());
      else expect(b.get(path)!.equals(bytes), path).toBe(true);
    }
    const ma = JSON.parse(a.get('manifest.json')!.toString());
    const mb = JSON.parse(b.get('manifest.json')!.toString());
    expect({ ...mb, createdAt: 'x' }).toEqual({ ...ma, createdAt: 'x' });

    // The restored site serves its posts and images; accounts exist but no password signs in.
    const { app, config } = testApp({ uploadDir: after.directory });
    const page = await request(app).get('/posts/bulk-post-1');
    expect(page.status).toBe(200);
    expect(page.text).toContain('Bulk post 1');
    expect(page.text).toContain(`/uploads/media/${mediaKey}/`);
    expect((await request(app).get(`/uploads/media/${mediaKey}/320.webp`)).status).toBe(200);
    expect((await request(app).get('/posts/bulk-post-10')).status).toBe(404);
    expect(await User.countDocuments()).toBe(2);
    const signIn = await postSignIn(app, config, { identifier: 'ada', password: DEFAULT_PASSWORD });
    expect(signIn.status).toBe(401);
  });

  it('a second import of the same archive changes nothing', SLOW, async () => {
    const storage = tempStorage();
    const postsBefore = await Post.find({}, 'updatedAt').sort({ _id: 1 }).lean();
    const report = await importArchive(first, { storage, ...LIMITS });
    expect(report.counts.posts).toEqual({ created: 0, updated: 0, skipped: POSTS, failed: 0 });
    expect(report.counts.media).toEqual({ created: 0, updated: 0, skipped: 1, failed: 0 });
    expect(await Post.find({}, 'updatedAt').sort({ _id: 1 }).lean()).toEqual(postsBefore);
    expect(await Media.countDocuments()).toBe(1);
  });
});
