// The search index's text (search-index.ts) lives in a file of its own, read back with positional reads:
// only the chunk being filled stays in memory, the file leaves no name behind in its directory and is
// closed once its index is replaced and collected, and a directory that cannot take it leaves the text in
// memory with the same answers. Small chunks (a test hook) make a few dozen posts fill many, so every way
// a search reads text (all of it, a few texts at a time or one text longer than that; one entry's bytes;
// the word index's build) is checked against texts in the first, middle and last chunks.
import { mkdtempSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Post } from '../../src/posts/post.model.js';
import { warmPostsSnapshots } from '../../src/posts/posts-snapshot.js';
import { useReadModel } from '../../src/posts/read-model-choice.js';
import { arenaChunkForTests, keepSearchTextIn, searchIds, searchTextChunks, searchWords } from '../../src/posts/search-index.js';
import { testApp } from '../support/app.js';
import { makeUser } from '../support/factories.js';
import { makePost } from '../support/posts.js';

const { app } = testApp();

const POSTS = 48;
/** A word found in post i's text only. */
const word = (i: number) => `tok${String(i).padStart(3, '0')}z`;
/** Post i's mark of punctuation only: a query with no word in it, which the word index cannot narrow. */
const mark = (i: number) => `(${i.toString(2).padStart(6, '0').replace(/0/g, '+').replace(/1/g, '=')})`;

/** The files this process holds open in `dir`, as the kernel names them (an unlinked one ends in "(deleted)"). */
function openFilesIn(dir: string): string[] {
  return readdirSync('/proc/self/fd').flatMap((fd) => {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      return target.startsWith(`${dir}/`) ? [target] : [];
    } catch {
      return []; // closed meanwhile (the directory's own descriptor, for one)
    }
  });
}

describe('the search text in a file', () => {
  const ids: string[] = [];
  const title = (res: { text: string }) => [...res.text.replace(/<\/?mark>/g, '').matchAll(/<h2[^>]*>\s*<a[^>]*>([^<]+)<\/a>/g)].map((m) => m[1]!.trim());

  beforeAll(async () => {
    useReadModel('memory');
    // About 5 texts a chunk: the posts fill about ten; a search of the whole text reads them 2 at a time.
    arenaChunkForTests(512, 200);
    const author = await makeUser({ role: 'author', username: 'renfield' });
    for (let i = 0; i < POSTS; i++) {
      // A few texts longer than a search of the whole text reads at a time.
      const body = `Here ${word(i)} sits beside ${mark(i)} and some words to fill the chunk.${i % 16 === 5 ? ' Longer than a run.'.repeat(12) : ''}`;
      const post = await makePost({ author, title: `Filed text ${i}`, body, status: 'published', publishedAt: new Date(Date.UTC(2020, 0, 1 + i)) });
      ids.push(String(post._id));
    }
  });

  const made: string[] = [];
  const newDir = () => {
    made.push(mkdtempSync(join(tmpdir(), 'quire-search-text-')));
    return made.at(-1)!;
  };

  afterAll(() => {
    arenaChunkForTests();
    keepSearchTextIn(null);
    for (const dir of made) rmSync(dir, { recursive: true, force: true });
  });

  /** The posts whose text was changed (a patch), to `${word(i)}y` and `${mark(i)}=`. */
  const patched = new Set<number>();

  /**
   * Every post found by its word (the word index, built from the texts read back), its word and the next
   * (each candidate's text read) and its mark (every chunk read whole); and a patched post not by its old text.
   */
  async function expectEveryPostFound() {
    expect((await searchWords()).ready).toBe(true);
    for (let i = 0; i < POSTS; i++) {
      const w = patched.has(i) ? `${word(i)}y` : word(i);
      const m = patched.has(i) ? `${mark(i)}=` : mark(i);
      for (const q of [w, `${w} sits`, m]) expect(await searchIds(q, null, 10), q).toEqual([ids[i]]);
      // The old text stays in its chunk, unused.
      if (patched.has(i)) expect(await searchIds(`${word(i)} sits`, null, 10), `${word(i)} sits`).toEqual([]);
    }
    // In every text, several to a run: each found once, none skipped, newest first.
    expect(await searchIds(')', null, POSTS + 1)).toEqual([...ids].reverse());
  }

  it('keeps only the chunk being filled in memory, in a file with no name, and finds the text in every chunk', async () => {
    const dir = newDir();
    keepSearchTextIn(dir);
    // A fresh index (full build), its text in a new file in `dir`.
    await warmPostsSnapshots();
    const chunks = await searchTextChunks();
    expect(chunks.length).toBeGreaterThanOrEqual(5);
    expect(chunks.slice(0, -1).map((c) => c.inMemory)).toEqual(chunks.slice(0, -1).map(() => false));
    expect(chunks.at(-1)!.inMemory).toBe(true);
    // First, middle and last chunk each hold some of the posts checked below.
    expect(chunks.flatMap((c) => c.ids).sort()).toEqual([...ids].sort());
    expect(readdirSync(dir)).toEqual([]);
    expect(openFilesIn(dir)).toEqual([expect.stringMatching(/\/search-text-[^/]+ \(deleted\)$/)]);
    await expectEveryPostFound();
    expect(title(await request(app).get(`/search?q=${encodeURIComponent(mark(0))}`).expect(200))).toEqual(['Filed text 0']);
    expect(title(await request(app).get(`/search?q=${word(POSTS - 1)}`).expect(200))).toEqual([`Filed text ${POSTS - 1}`]);

    // Patched posts' texts go to the chunk being filled, and on to the file when it is full.
    for (const i of [3, 20, 40, 41, 42, 43, 44, 45, 46, 47]) patched.add(i);
    for (const i of patched) await Post.updateOne({ _id: ids[i] }, { $set: { bodyText: `Now ${word(i)}y sits beside ${mark(i)}= and more words to fill the chunk.` } });
    await searchIds('anything', null, 10);
    const after = await searchTextChunks();
    expect(after.length).toBeGreaterThan(chunks.length);
    expect(after.slice(0, -1).every((c) => !c.inMemory)).toBe(true);
    // The first patched texts are in a chunk written to the file since.
    expect(after.slice(chunks.length - 1, -1).flatMap((c) => c.ids)).toContain(ids[3]);
    await expectEveryPostFound();
    expect(readdirSync(dir)).toEqual([]);
  });

  it("closes an index's file once a full build has replaced the index and it is collected", async () => {
    const dir = newDir();
    keepSearchTextIn(dir);
    await warmPostsSnapshots();
    const old = openFilesIn(dir);
    expect(old).toHaveLength(1);
    // A full build: a new index with a file of its own. (On the next turn: until the first build's
    // callbacks have run, it counts as in progress and a new one would join it.)
    await new Promise((resolve) => setImmediate(resolve));
    await warmPostsSnapshots();
    const added = openFilesIn(dir).filter((file) => !old.includes(file));
    expect(added).toHaveLength(1);
    // The old index's file is closed when the old index is collected: full collections, as many as it
    // takes for the finalizer to run (no time involved).
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    for (let i = 0; i < 10 && openFilesIn(dir).includes(old[0]!); i++) {
      gc();
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(openFilesIn(dir)).toEqual(added);
    // The current index's file is left open, and read.
    await expectEveryPostFound();
  });

  it('keeps the text in memory, with the same answers, when the directory cannot hold a file', async () => {
    const file = join(newDir(), 'a-file');
    writeFileSync(file, 'not a directory');
    keepSearchTextIn(join(file, 'text'));
    await warmPostsSnapshots();
    const chunks = await searchTextChunks();
    expect(chunks.length).toBeGreaterThanOrEqual(5);
    expect(chunks.every((c) => c.inMemory)).toBe(true);
    await expectEveryPostFound();
  });
});
