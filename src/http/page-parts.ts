// A page rendered for the page cache out of prepared pieces, sent gzip-compressed without compressing it.
//
// Most of a page cache miss used to go into two steps that repeat work done for the request before: encoding
// the rendered page to UTF-8 (slow for the two-byte strings that typographic quotes and arrows make) and
// compressing it (Brotli, quality 0). On the seeded home page, together about a third of a miss.
//
// Here the fragments of templates.ts (the cards of a list: rendered once per content change; a post's
// body) are pieces, whose UTF-8 bytes and raw DEFLATE stream are made once (kept on the piece when it
// stands alone, with its run when it is one of several: see below). While a page is rendered
// for the page cache, `fragment()` writes a marker where a piece goes (PageParts.mark); the page that comes
// out is the text between the pieces, and the cache then makes:
//
// - the page's bytes, by copying the pieces' bytes between the UTF-8 of the text around them;
// - its gzip body, by stitching the pieces' DEFLATE streams between those of the text around them, as
//   Varnish stitches ESI fragments: each stream was compressed from an empty history and ends on a full
//   flush (a byte boundary), so the streams follow one another as blocks of one DEFLATE stream; a final
//   empty block, the gzip header and its trailer (CRC-32 and length of the bytes) make it a gzip file.
//
// The text around the pieces (the layout, the header, a pager) is mostly the same from one request to the
// next: its UTF-8 and DEFLATE forms are kept by their text (Prepared), a bounded number of them, so a page
// asked for again under another URL compresses nothing. Text seen for the first time is compressed then.
//
// Pieces compressed apart share no history, and a list's cards have much in common: ten cards compressed one
// by one take twice the bytes of the same cards compressed together. So pieces that follow one another with
// only a little text between them (a list's grid) are a run, prepared as one stream and kept by what it is
// made of (the pieces' numbers and the text between), like text. The seeded home page is sent in 5.5 kB
// stitched, as in Brotli at quality 0 (compressed whole, as a miss was before); a page kept by the
// cache is compressed again, whole and smaller, after its first hit (page-cache.ts, refine).
//
// The markers are a private-use character, a token made at random when the process starts, the piece's
// number and another private-use character: page text (a post's title, say) cannot make one, because it
// cannot know the token. A page that is not kept as parts has its markers replaced by the pieces' HTML
// (resolve) before it is sent.
import { randomBytes } from 'node:crypto';
import { constants as zlib, crc32, deflateRawSync } from 'node:zlib';

/** A fragment's HTML with its UTF-8 bytes and raw DEFLATE stream, made the first time a page needs them. */
export interface Piece {
  /** Unique in this process: names the piece in the keys of runs (see Run below). */
  readonly id: number;
  readonly html: string;
  bytes?: Buffer;
  deflated?: Buffer;
}

let pieces = 0;

/** A piece of `html` (templates.ts makes one per fragment and keeps it as long as the fragment). */
export function newPiece(html: string): Piece {
  return { id: ++pieces, html };
}

const TOKEN = `\uE000${randomBytes(9).toString('base64url')}:`;
const END = '\uE001';

/** A gzip member header: deflate, no name, no time, unknown OS (RFC 1952). */
const GZIP_HEADER = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0xff]);
/** The last block of the stream: final, fixed Huffman codes, nothing but its end code. */
const FINAL_BLOCK = Buffer.from([0x03, 0x00]);
/**
 * Text shorter than this (in UTF-16 units) between two pieces joins them into one run; elsewhere it is sent
 * as a stored block: compressing it alone costs more than it saves.
 */
const STORED_BELOW = 128;

/** A raw DEFLATE stream of `bytes` from an empty history, ending on a full flush (not final). */
function deflatedAlone(bytes: Buffer, level: number): Buffer {
  if (bytes.length === 0) return Buffer.alloc(0);
  return deflateRawSync(bytes, { level, finishFlush: zlib.Z_FULL_FLUSH });
}

/**
 * The header of a stored (uncompressed) DEFLATE block of `n` bytes, starting on a byte boundary. Only text
 * under STORED_BELOW characters is stored (at most 3 bytes each), far below a block's 65,535 bytes.
 */
function storedHeader(n: number): Buffer {
  return Buffer.from([0x00, n & 0xff, n >> 8, ~n & 0xff, (~n >> 8) & 0xff]);
}

/** Bytes and their DEFLATE stream. */
interface Ready {
  bytes: Buffer;
  deflated: Buffer;
}

/** A piece alone, prepared once (at level 1, as other text: a visitor waits, and it may not be asked for again). */
function prepare(piece: Piece): Ready {
  piece.bytes ??= Buffer.from(piece.html);
  piece.deflated ??= deflatedAlone(piece.bytes, 1);
  return piece as Ready;
}

/** Pieces with the short text between them, sent as one stream. */
type Run = Array<Piece | string>;

/** A prepared text or run, with what it was prepared from. */
interface Kept extends Ready {
  key: string;
  fingerprint: number;
  size: number;
}

// Characters of a key read by its fingerprint: all of its first ones (where a page's title and canonical
// URL are), a sample spread over the rest, and its last ones.
const FINGERPRINT_HEAD = 256;
const FINGERPRINT_SAMPLES = 64;
const FINGERPRINT_TAIL = 64;

/**
 * A number that tells most different keys apart without reading all of a key. A Map keyed by the text
 * itself hashes every character of it on every lookup (a new string each request: about 2 µs per
 * thousand characters, 8-15 µs of a home or post page miss); equal fingerprints are told apart by
 * comparing the keys, so a collision costs a comparison, never a wrong page.
 */
export function fingerprint(key: string): number {
  const length = key.length;
  let hash = length | 0;
  const mix = (code: number) => (hash = Math.imul(hash ^ code, 0x01000193));
  if (length <= FINGERPRINT_HEAD + FINGERPRINT_SAMPLES + FINGERPRINT_TAIL) {
    for (let i = 0; i < length; i++) mix(key.charCodeAt(i));
    return hash >>> 0;
  }
  for (let i = 0; i < FINGERPRINT_HEAD; i++) mix(key.charCodeAt(i));
  const middle = length - FINGERPRINT_HEAD - FINGERPRINT_TAIL;
  for (let i = 0; i < FINGERPRINT_SAMPLES; i++) mix(key.charCodeAt(FINGERPRINT_HEAD + Math.floor((i * middle) / FINGERPRINT_SAMPLES)));
  for (let i = length - FINGERPRINT_TAIL; i < length; i++) mix(key.charCodeAt(i));
  return hash >>> 0;
}

/**
 * The UTF-8 and DEFLATE forms of the text between runs, and of runs, by what they are made of: the layout
 * around a list, and the list, are the same on every request for it. Found by fingerprint, then by
 * comparing the whole text. Bounded in entries and bytes, least recently used first out. What is not
 * kept is made again (compressed at level 1: a visitor waits).
 */
export class Prepared {
  /** Kept entries by fingerprint (several when different keys share one). */
  private readonly byFingerprint = new Map<number, Kept[]>();
  /** Every kept entry, least recently used first. */
  private readonly order = new Set<Kept>();
  private bytes = 0;

  constructor(
    private readonly maxEntries = 512,
    private readonly maxBytes = 8 * 1024 * 1024,
  ) {}

  get size(): number {
    return this.order.size;
  }

  /** Text between runs. */
  text(text: string): Ready {
    return this.get(text, () => Buffer.from(text));
  }

  /** A run: its key names its pieces by number and spells the text between them. */
  run(run: Run): Ready {
    if (run.length === 1) return prepare(run[0] as Piece);
    // Unambiguous (text by its length, pieces by number), and never the key of a text: texts between
    // markers cannot hold the token.
    let key = TOKEN;
    for (const part of run) key += typeof part === 'string' ? `${part.length}:${part}` : `#${part.id};`;
    // The pieces' bytes are not kept on them: a card lives as long as its post's card (thousands at once,
    // when a crawler walks the lists), while what is kept here is bounded.
    return this.get(key, () => Buffer.from(run.map((part) => (typeof part === 'string' ? part : part.html)).join('')));
  }

  private get(key: string, bytesOf: () => Buffer): Ready {
    const print = fingerprint(key);
    const bucket = this.byFingerprint.get(print);
    const known = bucket?.find((kept) => kept.key === key);
    if (known) {
      this.order.delete(known);
      this.order.add(known);
      return known;
    }
    const bytes = bytesOf();
    const deflated = deflatedAlone(bytes, 1);
    // The key (two bytes a character at most) and both forms.
    const size = key.length * 2 + bytes.length + deflated.length;
    if (size > this.maxBytes / 8) return { bytes, deflated };
    // A text is a slice of the page it came from, and V8 keeps a slice's whole parent alive: the key is
    // kept as a string of its own (a new flat string, and a slice of that), not as a window on the page.
    const kept: Kept = { key: ` ${key}`.slice(1), fingerprint: print, size, bytes, deflated };
    if (bucket) bucket.push(kept);
    else this.byFingerprint.set(print, [kept]);
    this.order.add(kept);
    this.bytes += size;
    while (this.order.size > this.maxEntries || this.bytes > this.maxBytes) this.drop(this.order.values().next().value!);
    return kept;
  }

  private drop(kept: Kept): void {
    this.order.delete(kept);
    this.bytes -= kept.size;
    const bucket = this.byFingerprint.get(kept.fingerprint)!;
    if (bucket.length === 1) this.byFingerprint.delete(kept.fingerprint);
    else bucket.splice(bucket.indexOf(kept), 1);
  }
}

/** A page as the cache sends it: its bytes, and its gzip body stitched from the pieces. */
export interface Stitched {
  identity: Buffer;
  gzip: Buffer;
}

/** The pieces of one page being rendered; `mark` is what `fragment()` returns while it renders. */
export class PageParts {
  readonly pieces: Piece[] = [];

  mark(piece: Piece): string {
    return `${TOKEN}${this.pieces.push(piece) - 1}${END}`;
  }

  /** Whether the page's text has markers (a page without fragments is sent as any other). */
  get used(): boolean {
    return this.pieces.length > 0;
  }

  /** The page as plain HTML: every marker replaced by its piece's HTML. */
  resolve(text: string): string {
    if (!this.used) return text;
    let html = '';
    this.walk(text, (between) => (html += between), (piece) => (html += piece.html));
    return html;
  }

  /**
   * The page's bytes and its stitched gzip body. `into` gives the Buffer the bytes are copied to (a scratch
   * buffer, for a page not kept) given their length; by default a new one.
   */
  stitch(text: string, prepared: Prepared, into: (length: number) => Buffer = Buffer.allocUnsafe): Stitched {
    const bytes: Buffer[] = [];
    const deflated: Buffer[] = [GZIP_HEADER];
    const add = (ready: Ready) => {
      bytes.push(ready.bytes);
      deflated.push(ready.deflated);
    };
    // The run being gathered, and short text after its last piece (which joins it if another piece follows).
    let run: Run = [];
    let after: string | undefined;
    const between = (text: string) => {
      if (!run.length) {
        if (text.length >= STORED_BELOW) return add(prepared.text(text));
        const raw = Buffer.from(text);
        bytes.push(raw);
        deflated.push(storedHeader(raw.length), raw);
      } else if (text.length < STORED_BELOW) after = text;
      else {
        endRun();
        add(prepared.text(text));
      }
    };
    const endRun = () => {
      if (run.length) add(prepared.run(run));
      run = [];
      if (after !== undefined) {
        const rest = after;
        after = undefined;
        between(rest);
      }
    };
    this.walk(text, between, (piece) => {
      if (after !== undefined) run.push(after);
      after = undefined;
      run.push(piece);
    });
    endRun();
    let length = 0;
    for (const b of bytes) length += b.length;
    const identity = into(length).subarray(0, length);
    let at = 0;
    for (const b of bytes) at += b.copy(identity, at);
    const trailer = Buffer.allocUnsafe(8);
    trailer.writeUInt32LE(crc32(identity), 0);
    trailer.writeUInt32LE(length >>> 0, 4);
    deflated.push(FINAL_BLOCK, trailer);
    return { identity, gzip: Buffer.concat(deflated) };
  }

  /** Calls `text` for each run of text (not empty) and `piece` for each marker, in order. */
  private walk(page: string, text: (between: string) => void, piece: (piece: Piece) => void): void {
    const runs = page.split(TOKEN);
    if (runs[0]) text(runs[0]);
    for (let i = 1; i < runs.length; i++) {
      const run = runs[i]!;
      const end = run.indexOf(END);
      const found = end > 0 ? this.pieces[Number(run.slice(0, end))] : undefined;
      // The token is secret to this process: a run without a valid marker is a bug, not page text.
      if (!found) throw new Error('page-parts: a marker without its piece');
      piece(found);
      if (end + 1 < run.length) text(run.slice(end + 1));
    }
  }
}
