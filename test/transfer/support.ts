// Helpers for the import/export tests: a site made fast (posts written with insertMany, bodies rendered
// by the same code the editor uses), archives written to and read from temporary files, and a fresh
// database in place of the test file's own.
import { createWriteStream, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import mongoose from 'mongoose';
import * as tar from 'tar';
import { forgetSetupState } from '../../src/auth/setup-state.js';
import { LocalDiskStorage, type Storage } from '../../src/media/storage.js';
import { Post } from '../../src/posts/post.model.js';
import { deriveBody } from '../../src/posts/post-content.js';
import { forgetSettings } from '../../src/site/settings.service.js';
import { exportSite, type ExportOptions } from '../../src/transfer/export.service.js';

export function tempDir(prefix = 'quire-transfer-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function tempStorage(): LocalDiskStorage {
  return new LocalDiskStorage(tempDir('quire-transfer-uploads-'), '/uploads');
}

/** Exports the site into a new temporary file; returns its path. */
export async function exportToFile(storage: Storage, options: Omit<ExportOptions, 'storage'> = {}): Promise<string> {
  const file = join(tempDir(), 'site.tar.gz');
  await exportSite(createWriteStream(file), { storage, ...options });
  return file;
}

/** Every file of an archive, unpacked: archive path -> bytes. */
export async function archiveContents(file: string): Promise<Map<string, Buffer>> {
  const dir = tempDir('quire-unpacked-');
  await tar.x({ file, cwd: dir });
  const out = new Map<string, Buffer>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const full = join(d, name);
      if (statSync(full).isDirectory()) walk(full);
      else out.set(relative(dir, full), readFileSync(full));
    }
  };
  walk(dir);
  return out;
}

/** Drops every collection and builds the indexes again: a fresh site on the same test database. */
export async function freshDatabase(): Promise<void> {
  await mongoose.connection.dropDatabase();
  for (const name of mongoose.modelNames()) await mongoose.model(name).createIndexes();
  forgetSetupState();
  forgetSettings();
}

/** `count` posts by `author`, written in one insertMany: half published (in the past), every tenth a draft, every 25th scheduled. */
export async function insertPosts(author: { _id: mongoose.Types.ObjectId; displayName: string }, count: number, extra: (i: number) => Record<string, unknown> = () => ({})) {
  const now = Date.now();
  const docs = [];
  for (let i = 0; i < count; i++) {
    const bodyMarkdown = `Post number ${i}.\n\n## A heading\n\nSome *emphasis* and a [link](https://example.org/${i}).`;
    const status = i % 10 === 0 ? 'draft' : 'published';
    const publishedAt = status === 'draft' ? null : new Date(i % 25 === 0 ? now + 86_400_000 : now - (count - i) * 60_000);
    docs.push({
      title: `Bulk post ${i}`,
      slug: `bulk-post-${i}`,
      bodyMarkdown,
      ...deriveBody(bodyMarkdown, ''),
      tags: [i % 2 ? 'odd' : 'even'],
      author: author._id,
      status,
      publishedAt,
      lastEditor: author._id,
      lastEditorName: author.displayName,
      ...extra(i),
    });
  }
  return Post.insertMany(docs);
}
