// A word index over the search texts (search-index.ts), used only to NARROW which posts a query must be
// checked against, never to decide a match: every candidate is still tested for the query's bytes, so the
// index can only make a search cheaper, never drop or add a result.
//
// A word is a run of ASCII letters and digits and characters beyond ASCII. Beyond-ASCII characters are
// exactly the UTF-16 units >= 0x80, whose UTF-8 bytes are all >= 0x80, so the words of a string and of its
// bytes are the same and word boundaries never split a character. Why narrowing is sound: if a text holds
// the (lower-cased) query, every word of the query that has a non-word character (or the query's end) on
// each side is a whole word of that text, the query's first word is the end of one of the text's words,
// its last word the start of one, and a query of one word lies inside one. So the texts that hold the query
// are among those holding a word that fits one of the query's words that way; the smallest such set is
// taken.
//
// Memory: the words once each in one Buffer, and the posting lists (text serials, ascending per word) in
// one Uint32Array, both outside the JavaScript heap: a few objects, whatever the number of posts (strings
// and arrays per word would be hundreds of thousands of heap objects for the garbage collector to walk).
// Texts added after the build (edited posts) go to a small map of their own until the next full build.

/** One word: see the top of the file. A-Z is there only for completeness (texts are lower-cased). */
const WORD = /[a-zA-Z0-9\u0080-\uffff]+/g;
const NEWLINE = 0x0a;

/** The distinct words of `text`. */
function wordsOf(text: string): Set<string> {
  const words = new Set<string>();
  for (const m of text.matchAll(WORD)) words.add(m[0]);
  return words;
}

/** How a word of the query must sit in a word of the text (see the top of the file). */
interface Fit {
  word: string;
  /** The query goes on to the left of this word (it starts the query with a word character). */
  leftOpen: boolean;
  rightOpen: boolean;
}

function fits(textWord: string, { word, leftOpen, rightOpen }: Fit): boolean {
  if (leftOpen && rightOpen) return textWord.includes(word);
  if (leftOpen) return textWord.endsWith(word);
  if (rightOpen) return textWord.startsWith(word);
  return textWord === word;
}

/** Grows an array (off the JavaScript heap) by doubling, to hold at least `length` + 5 items. */
function grown<A extends Uint8Array<ArrayBuffer> | Uint32Array<ArrayBuffer>>(array: A, length: number): A {
  if (length + 5 <= array.length) return array;
  const next = new (array.constructor as new (n: number) => A)(array.length * 2);
  next.set(array);
  return next;
}

// Numbers as varints (7 bits a byte, low first, high bit: more follows): the posting lists hold the gaps
// between serials, mostly one byte each, a quarter of what 32-bit serials took.
function varintLength(n: number): number {
  let bytes = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 0x80);
    bytes++;
  }
  return bytes;
}

function writeVarint(bytes: Uint8Array, at: number, n: number): number {
  while (n >= 0x80) {
    bytes[at++] = (n & 0x7f) | 0x80;
    n = Math.floor(n / 0x80);
  }
  bytes[at++] = n;
  return at;
}

export class WordIndex {
  /** Every word once, each followed by '\n', after a leading '\n', as UTF-8. */
  private vocab = Buffer.alloc(1, NEWLINE);
  /** Where word i starts in `vocab`. */
  private starts = new Uint32Array(0);
  /** How many texts hold word i. */
  private counts = new Uint32Array(0);
  /** A word in more texts than this has no list (it narrows nothing: see `candidates`). */
  private common = 0;
  /** Word i's serials are the gaps from bytes offsets[i] to offsets[i + 1] of `postings` (the first from -1). */
  private offsets = new Uint32Array(1);
  private postings = new Uint8Array(0);
  /** Texts added after the build started (serials from its `count` on): word -> serials. */
  private readonly extra = new Map<string, number[]>();
  ready = false;

  /** `minCommon`: a word in this many texts or fewer always has its list (however few the texts). */
  constructor(private readonly minCommon = 4096) {}

  /** Adds the text of `serial` (an edited post's), to be found until the next full build. */
  add(serial: number, text: string): void {
    for (const word of wordsOf(text)) {
      const list = this.extra.get(word);
      if (list) list.push(serial);
      else this.extra.set(word, [serial]);
    }
  }

  /**
   * Builds the index from the texts of serials 0 to count - 1 (null: no text), yielding to other work
   * every `batch` texts so that requests keep being served meanwhile (at 100,000 posts the build takes
   * seconds of CPU). Texts added meanwhile (serials from `count` on) go to `add`. `textBytes`: the texts'
   * size in UTF-8, if known, to size the build's array once (grown by doubling from a few kilobytes, it
   * left twice the bytes behind for the garbage collector, which keeps them until its next full pass).
   */
  async build(count: number, textOf: (serial: number) => string | null, { batch = 500, textBytes = 0 } = {}): Promise<void> {
    // One pass over the texts: each text's word ids in a row, as varints (off the heap; where each text's
    // row starts is `rowStarts`), and how many texts hold each word.
    const ids = new Map<string, number>();
    // About one byte of word ids for every 6 of text (measured on the generated posts: 57 MB of text, 9 MB).
    let rows = new Uint8Array(Math.max(1 << 16, Math.ceil(textBytes / 5)));
    let length = 0;
    const rowStarts = new Uint32Array(count + 1);
    let counts = new Uint32Array(1024);
    for (let serial = 0; serial < count; serial++) {
      if (serial % batch === batch - 1) await new Promise((resolve) => setImmediate(resolve));
      rowStarts[serial] = length;
      const text = textOf(serial);
      if (text === null) continue;
      for (const word of wordsOf(text)) {
        let id = ids.get(word);
        if (id === undefined) ids.set(word, (id = ids.size));
        counts = grown(counts, id);
        counts[id]!++;
        rows = grown(rows, length);
        length = writeVarint(rows, length, id);
      }
    }
    rowStarts[count] = length;
    const words = ids.size;
    const common = Math.max(this.minCommon, count >>> 2);
    // Each word's list, in the order of the serials; twice over the rows: the sizes, then the bytes.
    const last = new Int32Array(words);
    const offsets = new Uint32Array(words + 1);
    let postings = new Uint8Array(0);
    for (const pass of ['size', 'write'] as const) {
      last.fill(-1);
      const next = offsets.slice(0, words);
      for (let serial = 0; serial < count; serial++) {
        for (let at = rowStarts[serial]!; at < rowStarts[serial + 1]!; ) {
          let w = 0;
          for (let shift = 1; ; shift *= 0x80) {
            const byte = rows[at++]!;
            w += (byte & 0x7f) * shift;
            if (byte < 0x80) break;
          }
          if (counts[w]! > common) continue;
          const gap = serial - last[w]!;
          last[w] = serial;
          if (pass === 'size') offsets[w + 1]! += varintLength(gap);
          else next[w] = writeVarint(postings, next[w]!, gap);
        }
      }
      if (pass === 'size') {
        for (let w = 0; w < words; w++) offsets[w + 1]! += offsets[w]!;
        postings = new Uint8Array(offsets[words]!);
      }
    }
    const list = [...ids.keys()];
    const starts = new Uint32Array(words);
    let at = 1;
    list.forEach((word, i) => {
      starts[i] = at;
      at += Buffer.byteLength(word) + 1;
    });
    this.vocab = Buffer.from(`\n${list.join('\n')}\n`);
    this.starts = starts;
    this.counts = counts.slice(0, words);
    this.common = common;
    this.offsets = offsets;
    this.postings = postings;
    this.ready = true;
  }

  /** Bytes held: the words, their starts, counts and posting lists (for the README and tests). */
  get bytes(): number {
    return this.vocab.length + this.starts.byteLength + this.counts.byteLength + this.offsets.byteLength + this.postings.byteLength;
  }

  get words(): number {
    return this.starts.length;
  }

  /** The word of `vocab` whose bytes hold position `at`. */
  private wordAt(at: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.starts[mid]! <= at) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** The built words that fit `fit`. */
  private wordsFitting(fit: Fit): number[] {
    const { vocab, starts } = this;
    if (!fit.leftOpen && !fit.rightOpen) {
      const at = vocab.indexOf(`\n${fit.word}\n`);
      return at === -1 ? [] : [this.wordAt(at + 1)];
    }
    const bytes = Buffer.from(fit.word);
    const found: number[] = [];
    for (let at = vocab.indexOf(bytes); at !== -1; at = vocab.indexOf(bytes, at + 1)) {
      const w = this.wordAt(at);
      if (found.at(-1) === w) continue;
      const end = w + 1 < starts.length ? starts[w + 1]! - 1 : vocab.length - 1;
      if ((fit.leftOpen || at === starts[w]) && (fit.rightOpen || at + bytes.length === end)) found.push(w);
    }
    return found;
  }

  /**
   * Serials of texts that may hold `needle` (lower-cased): every text that does is among them (a serial
   * may come twice). `sure`: the query is one word, so all of them hold it; otherwise some may not.
   * 'many': each word of the query is in more than `max` texts (so the query may be common too). Null:
   * the index cannot tell (not built yet, or no word in the query).
   */
  candidates(needle: string, max: number): { serials: number[]; sure: boolean } | 'many' | null {
    if (!this.ready) return null;
    // As the search matches it: in UTF-8, where a lone surrogate is U+FFFD.
    needle = Buffer.from(needle).toString();
    let best: { words: number[]; extra: number[][]; size: number } | null = null;
    let sure = false;
    for (const m of needle.matchAll(WORD)) {
      // Every word that fits the whole query holds it (and a text with the word holds the word).
      sure = m[0] === needle;
      const fit = { word: m[0], leftOpen: m.index === 0, rightOpen: m.index + m[0].length === needle.length };
      const words = this.wordsFitting(fit);
      const extra = [...this.extra].filter(([word]) => fits(word, fit)).map(([, serials]) => serials);
      let size = 0;
      for (const w of words) size += this.counts[w]! > this.common ? Infinity : this.counts[w]!;
      for (const serials of extra) size += serials.length;
      if (!best || size < best.size) best = { words, extra, size };
    }
    if (!best) return null;
    if (best.size > max) return 'many';
    const serials: number[] = [];
    for (const w of best.words) {
      let serial = -1;
      for (let at = this.offsets[w]!; at < this.offsets[w + 1]!; ) {
        let gap = 0;
        for (let shift = 1; ; shift *= 0x80) {
          const byte = this.postings[at++]!;
          gap += (byte & 0x7f) * shift;
          if (byte < 0x80) break;
        }
        serials.push((serial += gap));
      }
    }
    for (const list of best.extra) serials.push(...list);
    return { serials, sure };
  }
}
