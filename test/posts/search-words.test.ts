// Search narrowed by the word index (word-index.ts) and answered from the cache of counted results
// (search-index.ts): neither may ever change an answer. The index may only narrow: a query that is part of
// a word, runs across punctuation, holds characters beyond ASCII or matches a tag only must still find
// every post it is in, and an edit or an unpublish must show at once.
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { Post } from '../../src/posts/post.model.js';
import { setPublished } from '../../src/posts/posts.service.js';
import { warmPostsSnapshots } from '../../src/posts/posts-snapshot.js';
import { useReadModel } from '../../src/posts/read-model-choice.js';
import { searchIds, searchWords } from '../../src/posts/search-index.js';
import { WordIndex } from '../../src/posts/word-index.js';
import { testApp } from '../support/app.js';
import { makeUser } from '../support/factories.js';
import { actorFor, makePost } from '../support/posts.js';

const { app } = testApp();

describe('the word index only narrows', () => {
  const texts = [
    'closures explained with a shopping list',
    'e-mail, co-operation; and the rose, on the window',
    'un café crème à la française, naïve façade',
    '日本語のテキスト and emoji 🦓 zebra',
    'x=1+2 (parenthèses) … “quoted” — dash',
    '',
  ];

  it('lists every text that holds any substring of any text (or declines to narrow)', async () => {
    const index = new WordIndex(1);
    await index.build(texts.length, (serial) => texts[serial]!, { batch: 2 });
    const edited = 'a later text: zebras and naïveté';
    index.add(texts.length, edited);
    const all = [...texts, edited];
    let narrowed = 0;
    for (const text of all) {
      for (let i = 0; i < text.length; i++) {
        for (let j = i + 1; j <= Math.min(text.length, i + 12); j++) {
          const needle = text.slice(i, j);
          const answer = index.candidates(needle, all.length);
          if (answer === null || answer === 'many') continue;
          const candidates = answer.serials;
          narrowed++;
          // Held as the search tests it: in UTF-8 (a slice may cut a character in two).
          const holders = all.flatMap((t, serial) => (Buffer.from(t).includes(Buffer.from(needle)) ? [serial] : []));
          for (const serial of holders) expect(candidates, `"${needle}" in text ${serial}`).toContain(serial);
          // A query the index is sure of is in every candidate (they are not checked again).
          if (answer.sure) for (const serial of candidates) expect(holders, `"${needle}" sure of text ${serial}`).toContain(serial);
        }
      }
    }
    // The check above would pass vacuously if the index never narrowed: it must, for most queries.
    expect(narrowed).toBeGreaterThan(500);
    // And it does narrow: a whole word names its texts only.
    expect((index.candidates('zebra', all.length) as { serials: number[] }).serials.sort()).toEqual([3, 6]);
    expect(index.candidates('window', all.length)).toEqual({ serials: [1], sure: true });
    expect(index.candidates('absent', all.length)).toEqual({ serials: [], sure: true });
    // Two words: the rarer one narrows, and its texts must still be checked.
    expect(index.candidates('the window', all.length)).toEqual({ serials: [1], sure: false });
  });

  it('keeps serials far apart (gaps of several bytes) and many words (ids of several bytes)', async () => {
    const count = 40_000;
    const textOf = (serial: number) => (serial === 0 || serial === 300 || serial === count - 1 ? `rare w${serial}` : `w${serial}`);
    const index = new WordIndex();
    await index.build(count, textOf);
    expect(index.words).toBe(count + 1);
    expect(index.candidates('rare', count)).toEqual({ serials: [0, 300, count - 1], sure: true });
    expect(index.candidates('w39998', count)).toEqual({ serials: [count - 2], sure: true });
  });

  it('declines queries with no word, or whose words are in too many texts', async () => {
    const index = new WordIndex(1);
    await index.build(4, (serial) => ['the cat', 'the dog', 'the owl', 'a bat'][serial]!);
    expect(index.candidates('+ -', 4)).toBeNull();
    expect(index.candidates('the', 2)).toBe('many');
    expect(index.candidates('the cat', 2)).toEqual({ serials: [0], sure: false });
  });
});

describe('search through the word index and the cache of counted results', () => {
  let author: Awaited<ReturnType<typeof makeUser>>;
  beforeAll(async () => {
    useReadModel('memory');
    author = await makeUser({ role: 'author', username: 'quincey', displayName: 'Quincey Morris' });
  });

  const unmarked = (res: { text: string }) => res.text.replace(/<\/?mark>/g, '');
  const titles = async (q: string) =>
    [...unmarked(await request(app).get(`/search?q=${encodeURIComponent(q)}`).expect(200)).matchAll(/<h2[^>]*>\s*<a[^>]*>([^<]+)<\/a>/g)].map((m) => m[1]!.trim());

  it('finds parts of words, text across punctuation, words beyond ASCII and tag-only matches once the index is built', async () => {
    const at = (day: number) => new Date(Date.UTC(2021, 0, day));
    await makePost({ author, title: 'Undertaking', body: 'The bloodhounds followed, e-mail in hand.', status: 'published', publishedAt: at(1) });
    await makePost({ author, title: 'Café notes', body: 'Une façade naïve, près du café.', status: 'published', publishedAt: at(2) });
    await makePost({ author, title: 'Winchester', body: 'Nothing here names it.', tags: ['Rifles'], status: 'published', publishedAt: at(3) });
    const words = await searchWords();
    expect(words.ready).toBe(true);
    expect(await titles('dhound')).toEqual(['Undertaking']);
    expect(await titles('hounds followed, e-ma')).toEqual(['Undertaking']);
    expect(await titles('FAÇADE NAÏ')).toEqual(['Café notes']);
    expect(await titles('café')).toEqual(['Café notes']);
    expect(await titles('rifle')).toEqual(['Winchester']);
    expect(await titles('zzyzx')).toEqual([]);
  });

  it('shows an edit and an unpublish at once, cached or not', async () => {
    const post = await makePost({ author, title: 'Texas notes', body: 'A bowie knife and a lasso.', status: 'published' });
    await searchWords();
    expect(await titles('bowie')).toEqual(['Texas notes']);
    expect(await titles('bowie')).toEqual(['Texas notes']);
    // An edited text is indexed on its own (added after the build), and its old words no longer find it.
    await Post.updateOne({ _id: post._id }, { $set: { bodyText: 'A winchester and a stetson.' } });
    expect(await titles('bowie')).toEqual([]);
    expect(await titles('stetson')).toEqual(['Texas notes']);
    await setPublished(actorFor(author), post._id, false);
    expect(await titles('stetson')).toEqual([]);
  });

  it('orders built and patched posts newest first together', async () => {
    const at = (day: number) => new Date(Date.UTC(2022, 0, day));
    const first = await makePost({ author, title: 'Wolfram one', body: 'wolfram filament', status: 'published', publishedAt: at(1) });
    await makePost({ author, title: 'Wolfram three', body: 'wolfram filament', status: 'published', publishedAt: at(3) });
    // A fresh index, and its word index, hold these two; the next two posts are patched in after.
    await warmPostsSnapshots();
    await searchWords();
    await makePost({ author, title: 'Wolfram two', body: 'wolfram filament', status: 'published', publishedAt: at(2) });
    await Post.updateOne({ _id: first._id }, { $set: { bodyText: 'a wolfram filament, edited' } });
    await makePost({ author, title: 'Wolfram four', body: 'wolfram filament', status: 'published', publishedAt: at(4) });
    expect(await titles('wolfram')).toEqual(['Wolfram four', 'Wolfram three', 'Wolfram two', 'Wolfram one']);
    expect(await titles('ilamen')).toEqual(['Wolfram four', 'Wolfram three', 'Wolfram two', 'Wolfram one']);
    // Narrowed by the index, or walked post by post as a query of common words (a cap of 0 makes every
    // word common): the same answers.
    for (const q of ['wolfram', 'ilamen', 'filament, edited', 'wolfram filament', 'absent words']) {
      const narrowed = await searchIds(q, null, 10);
      expect(narrowed, q).toEqual(await searchIds(q, null, 10, new Date(), 0));
    }
    expect(await searchIds('filament, edited', null, 10)).toEqual([String(first._id)]);
  });

  it('keeps a scheduled post out of a cached result until its time, and in after it', async () => {
    const at = new Date(Date.now() + 3_600_000);
    await makePost({ author, title: 'Arrival by ship', body: 'The Demeter runs aground at Whitby.', status: 'scheduled', publishedAt: at });
    await searchWords();
    const before = new Date(at.getTime() - 1000);
    const after = new Date(at.getTime() + 1000);
    expect(await searchIds('demeter', null, 10, before)).toEqual([]);
    expect(await searchIds('demeter', null, 10, after)).toHaveLength(1);
    expect(await searchIds('demeter', null, 10, before)).toEqual([]);
  });
});
