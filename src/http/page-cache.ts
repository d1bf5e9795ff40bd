// An in-memory cache of public pages for anonymous visitors.
//
// A page is stored only when nothing about it was personal: a GET that http/personal.ts calls anonymous
// (the same decision, from the same parse of the Cookie header, that keeps the session loader away from
// it), answered 200 with HTML/XML/text, not marked personal while it was rendered (a user, a CSRF token
// or a flash), without setting a cookie and without a private or no-store Cache-Control from its handler.
// A hit costs a map lookup and a write: no session, no database, no template, no compression, and no
// Express either: inFrontOf() answers it in the app's node:http request listener, before Express decorates
// the request, with the stored bytes and the header block the miss was answered with. Anything it does
// not answer (a personal request, another method, a page not stored) goes to Express unchanged.
//
// The header block is taken from the response that rendered the page, when it was rendered: whatever
// helmet, the Permissions-Policy, a CDN header or a handler set is replayed by every hit, and the miss
// itself is answered from that same block, so a hit and a miss differ only in X-Page-Cache (and Date).
//
// Compression happens once per page and encoding, not per request: a miss is compressed in the encoding
// its client asked for and answered from the new entry (the compression middleware sees it is already
// encoded), and the other encodings are made the first time someone asks for them. A page made of
// prepared pieces (the cards of a list: page-parts.ts) is not compressed at all on a miss: its gzip body is
// stitched from the pieces' compressed forms, and a client that accepts gzip gets that, even one that
// prefers Brotli; hits of a kept page get it too until the Brotli body (made after the first such hit,
// smaller) is ready. Otherwise that first
// compression is a fast one (Brotli quality 0: on the seeded home and post pages about a tenth less CPU
// than quality 1, for output under 1% larger; quality 1 took a sixth of the time of quality 6),
// because a visitor waiting for the page pays for it; a page asked for again is worth more effort, so
// after its first hit in an encoding it is compressed once more, smaller, after that response has gone.
//
// A page is stored the second time its URL is asked for within ten minutes (or when a second request
// arrives while it renders): URLs asked for once (crawlers, cache-busting query strings) are answered
// but never push popular pages out, and never fill memory that only the garbage collector would empty.
// Those ten minutes outlive a content change, so a popular page is stored again by its first request
// after one.
//
// Concurrent misses for the same URL wait for the first one instead of all rendering it (after a content
// change, a popular page would otherwise be rendered once per waiting visitor).
//
// Every change announced on the change bus (src/db/changes.ts) empties the cache; entries also expire after a short TTL so that
// time-driven changes (a scheduled post whose time has come) show up without a write.
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { brotliCompressSync, constants as zlib, gzipSync } from 'node:zlib';
import accepts from 'accepts';
import type { Express, NextFunction, Request, RequestHandler, Response } from 'express';
import fresh from 'fresh';
import { onChange } from '../db/changes.js';
import { PageParts, Prepared } from './page-parts.js';
import { isPersonalRequest, isPersonalResponse } from './personal.js';

type Encoding = 'identity' | 'gzip' | 'br';
/** What a client's Accept-Encoding allows: the encoding it prefers, and whether gzip will do. */
interface Accepted {
  best: Encoding;
  gzip: boolean;
}
type Outcome = 'hit' | 'miss';
/** A header block as writeHead takes it: name, value, name, value... */
type Block = Array<string | string[]>;
/** A handler of Node's own request and response (the request logger of http/request-log.ts is one). */
export type NodeHandler = (req: IncomingMessage, res: ServerResponse) => void;

interface Entry {
  key: string;
  status: number;
  contentType: string;
  /** Made when first needed: a page answered once and not kept is not hashed unless the request is conditional. */
  etag?: string;
  /**
   * The response's headers when it was rendered, as [name, value] in the order they were set, with the
   * entry's own Cache-Control, Vary and Content-Type: everything but what is made per response.
   */
  headers: Array<[string, string | string[]]>;
  /** The complete blocks of a hit, per encoding and for 304: made once, dropped when a body changes. */
  blocks: Partial<Record<Encoding | 'notModified', Block>>;
  bodies: { identity: Buffer; gzip?: Buffer; br?: Buffer };
  /**
   * The identity body is a view of the cache's scratch buffer (a page answered once and not kept): valid
   * until the next page is encoded, so it is compressed or hashed at once and copied if sent as it is.
   */
  borrowed?: boolean;
  /** Encodings whose body is the smaller, slower compression (or being made so). */
  refined: { gzip?: boolean; br?: boolean };
  bytes: number;
  expires: number;
}

export interface PageCacheOptions {
  ttlMs?: number;
  maxEntries?: number;
  maxBytes?: number;
  /** How long a request waits for a concurrent miss of the same URL before rendering it itself. */
  coalesceMs?: number;
  /** Only paths matching this are considered. */
  paths: RegExp;
  /** How long a URL is remembered as asked for (a page is stored the second time it is asked for). */
  askedMs?: number;
  /** How many such URLs are remembered. */
  maxAsked?: number;
  /**
   * The compression middleware, run by the cache for every response it does not compress itself: the
   * requests it does not take, and the pages it takes but cannot keep (not 200, personal, a cookie set).
   * Pages it answers from an entry are compressed by the cache; compression's per-response hooks (about
   * 1% of a miss) are not installed for them. Without it, compression is the app's business.
   */
  compress?: RequestHandler;
}

const CACHEABLE_TYPES = /^(text\/html|application\/(rss\+)?xml|text\/xml|text\/plain)/;
const NOT_SHARED = /\b(?:private|no-store)\b/i;
const CACHE_CONTROL = 'public, max-age=0, must-revalidate';
/**
 * Headers never replayed from an entry: made per response (Node's Date and connection headers, the body's
 * length and encoding, the ETag, X-Page-Cache), never shared (Set-Cookie), or set by the entry itself.
 */
const NOT_REPLAYED = new Set(['date', 'connection', 'keep-alive', 'transfer-encoding', 'content-length', 'content-encoding', 'etag', 'x-page-cache', 'set-cookie', 'cache-control', 'vary', 'content-type']);
/** How many headers the entry sets itself, last in its list: Cache-Control, Vary, Content-Type. */
const OWN_HEADERS = 3;
/** What a 304 leaves out of the entry's headers (it has no body to describe). */
const NOT_IN_304 = new Set(['content-type']);
/** Pages longer than this (in UTF-16 units; up to three bytes each) are encoded into their own Buffer. */
const MAX_SCRATCH_CHARS = 512 * 1024;
/** Longer URLs (query strings nobody links to) are answered without being counted or kept. */
const MAX_KEY_LENGTH = 1024;

/**
 * Query parameters that only say where a visitor came from (campaign tags, ad and newsletter click ids):
 * no Quire page reads them, so a page asked for with them is the same page, kept once. A link shared with
 * `?utm_source=...` or `?fbclid=...` is then answered from the page cache like the bare one.
 */
const TRACKING_PARAM = /^(?:utm_[a-z_]+|fbclid|gclid|dclid|gbraid|wbraid|msclkid|yclid|twclid|igshid|mc_cid|mc_eid)$/i;
const MAY_HAVE_TRACKING = /[?&](?:utm_|fbclid|gclid|dclid|gbraid|wbraid|msclkid|yclid|twclid|igshid|mc_)/i;

/** The page cache's key for a URL: the URL without its tracking parameters, the others kept in order. */
export function cacheKey(url: string): string {
  if (!MAY_HAVE_TRACKING.test(url)) return url;
  const query = url.indexOf('?');
  if (query === -1) return url;
  const kept = url
    .slice(query + 1)
    .split('&')
    .filter((pair) => !TRACKING_PARAM.test(pair.split('=', 1)[0]!));
  return kept.length ? `${url.slice(0, query)}?${kept.join('&')}` : url.slice(0, query);
}

type Effort = 'fast' | 'small';
const GZIP_LEVEL: Record<Effort, number> = { fast: 1, small: 6 };
const BROTLI_QUALITY: Record<Effort, number> = { fast: 0, small: 6 };

// Synchronous on purpose: measured on a miss, zlib's asynchronous API (a stream and a thread-pool round
// trip per call) cost the event loop more than compressing these few tens of kilobytes in place.
function encode(identity: Buffer, encoding: 'gzip' | 'br', effort: Effort): Buffer {
  return encoding === 'gzip'
    ? gzipSync(identity, { level: GZIP_LEVEL[effort] })
    : brotliCompressSync(identity, {
        params: { [zlib.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY[effort], [zlib.BROTLI_PARAM_SIZE_HINT]: identity.length },
      });
}

/** The same strong ETag Express would send (size and SHA-1 of the body). */
function etagOf(body: Buffer): string {
  return `"${body.length.toString(16)}-${createHash('sha1').update(body).digest('base64').slice(0, 27)}"`;
}

export class PageCache {
  private readonly entries = new Map<string, Entry>();
  private readonly inflight = new Map<string, Promise<void>>();
  private readonly negotiated = new Map<string, Accepted>();
  /** The text around the pieces of pages, prepared (page-parts.ts). */
  private readonly prepared = new Prepared();
  private readonly asked = new Map<string, { count: number; until: number }>();
  private readonly askedMs: number;
  private readonly maxAsked: number;
  private bytes = 0;
  private generation = 0;
  /** Where a page answered once and not kept is encoded to UTF-8 (see Entry.borrowed), grown as needed. */
  private scratch = Buffer.alloc(0);
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly maxBytes: number;
  private readonly coalesceMs: number;
  private readonly paths: RegExp;
  private readonly compress: RequestHandler | undefined;
  readonly stats = { hits: 0, misses: 0, stores: 0, coalesced: 0 };

  constructor(options: PageCacheOptions) {
    this.ttlMs = options.ttlMs ?? 60_000;
    this.maxEntries = options.maxEntries ?? 1000;
    this.maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
    this.coalesceMs = options.coalesceMs ?? 5_000;
    this.paths = options.paths;
    this.askedMs = options.askedMs ?? 10 * 60_000;
    this.maxAsked = options.maxAsked ?? 10_000;
    this.compress = options.compress;
  }

  clear(): void {
    this.entries.clear();
    this.bytes = 0;
    // A page rendered from data read before the change must not be stored after it.
    this.generation++;
  }

  get size(): number {
    return this.entries.size;
  }

  /**
   * Subscribes to the change bus; returns the unsubscribe function. A private change (a draft's autosave:
   * src/db/announce-writes.ts says when a write is one) changes nothing an anonymous visitor can be
   * sent, and only anonymous visitors get stored pages, so it keeps them.
   */
  listen(): () => void {
    return onChange(({ audience }) => {
      if (audience === 'public') this.clear();
    });
  }

  /**
   * Answers stored pages from the app's node:http request listener, before Express (express() calls
   * app.handle for every request, whether the app was given to http.createServer, to app.listen or to
   * supertest, so tests go through this path too). `personal` is the Cookie decision of http/personal.ts
   * that the session loader also reads; `log` logs the requests answered here (Express logs the rest).
   */
  inFrontOf(app: Express, personal: (req: IncomingMessage) => boolean, log?: NodeHandler): void {
    const express = app as unknown as { handle(req: IncomingMessage, res: ServerResponse, next?: unknown): void };
    const handle = express.handle.bind(app);
    express.handle = (req, res, next) => {
      if (!this.answer(req, res, personal, log)) handle(req, res, next);
    };
  }

  /** Answers a request from a live entry, or returns false (without touching it) to hand it to Express. */
  answer(req: IncomingMessage, res: ServerResponse, personal: (req: IncomingMessage) => boolean, log?: NodeHandler): boolean {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    // Stale entries are left to Express, which drops them and renders the page again.
    const entry = req.url === undefined ? undefined : this.entries.get(cacheKey(req.url));
    if (!entry || entry.expires <= Date.now()) return false;
    // After the cheap checks: most requests that get this far are hits, and this parses their cookies.
    if (personal(req)) return false;
    this.stats.hits++;
    this.entries.delete(entry.key);
    this.entries.set(entry.key, entry);
    log?.(req, res);
    this.write(req, res, entry, 'hit', true);
    return true;
  }

  middleware() {
    // Requests the cache does not take go on as they would without it, compressed by `compress`.
    const pass = (req: Request, res: Response, next: NextFunction): void => (this.compress ? void this.compress(req, res, next) : next());
    return (req: Request, res: Response, next: NextFunction): void => {
      if ((req.method !== 'GET' && req.method !== 'HEAD') || !this.paths.test(req.path)) return pass(req, res, next);
      if (isPersonalRequest(req)) {
        res.setHeader('Cache-Control', 'private, no-cache');
        return pass(req, res, next);
      }
      const key = cacheKey(req.originalUrl);
      if (key.length > MAX_KEY_LENGTH) return pass(req, res, next);
      if (this.serveFresh(req, res, key)) return;
      this.ask(key);
      const pending = this.inflight.get(key);
      if (pending) {
        this.stats.coalesced++;
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, this.coalesceMs)));
        void Promise.race([pending, timeout]).then(() => {
          clearTimeout(timer);
          if (!this.serveFresh(req, res, key)) this.miss(req, res, key, next);
        });
        return;
      }
      this.miss(req, res, key, next);
    };
  }

  /** Counts a request for a page that is not stored. */
  private ask(key: string): void {
    const now = Date.now();
    const known = this.asked.get(key);
    if (known && known.until > now) {
      known.count++;
      known.until = now + this.askedMs;
      return;
    }
    this.asked.delete(key);
    this.asked.set(key, { count: 1, until: now + this.askedMs });
    if (this.asked.size > this.maxAsked) this.asked.delete(this.asked.keys().next().value!);
  }

  /** Whether a page has been asked for more than once lately: worth keeping. */
  private wanted(key: string): boolean {
    return (this.asked.get(key)?.count ?? 0) > 1;
  }

  /** Serves a live entry for `key`, if there is one. */
  private serveFresh(req: Request, res: Response, key: string): boolean {
    const hit = this.entries.get(key);
    if (!hit) return false;
    if (hit.expires <= Date.now()) {
      this.remove(key);
      return false;
    }
    this.stats.hits++;
    // Refresh its place in the LRU order.
    this.entries.delete(key);
    this.entries.set(key, hit);
    this.write(req, res, hit, 'hit', true);
    return true;
  }

  private miss(req: Request, res: Response, key: string, next: NextFunction): void {
    this.stats.misses++;
    if (!this.inflight.has(key)) {
      const settled = new Promise<void>((resolve) => {
        const done = () => {
          if (this.inflight.get(key) === settled) this.inflight.delete(key);
          resolve();
        };
        res.once('finish', done);
        res.once('close', done);
      });
      this.inflight.set(key, settled);
    }
    this.capture(req, res, key);
    next();
  }

  /**
   * Writes an entry with Node's own calls (writeHead with a prepared block), for a hit and for the miss
   * that made it alike. `withEtag` is false for a miss whose page is not kept: not hashed unless the
   * request is conditional.
   *
   * A miss's response already holds the replayed headers (the entry took them from it), so it is given
   * only the entry's own ones; writeHead moves those after the others, in the order a hit sends them.
   */
  private write(req: IncomingMessage, res: ServerResponse, entry: Entry, outcome: Outcome, withEtag: boolean): void {
    const conditional = req.headers['if-none-match'] !== undefined || req.headers['if-modified-since'] !== undefined;
    const etag = withEtag || conditional ? (entry.etag ??= etagOf(entry.bodies.identity)) : undefined;
    if (conditional && fresh(req.headers, { etag })) {
      if (outcome === 'miss') for (const name of NOT_IN_304) res.removeHeader(name);
      res.writeHead(304, this.block(entry, 'notModified', outcome, etag));
      res.end();
      return;
    }
    // Brotli is smaller than gzip for the same page; prefer it whenever the client accepts both, unless
    // the entry has a gzip body (a stitched one) and no Brotli one yet.
    const accepted = this.acceptedBy(req);
    const encoding = accepted.best === 'br' && !entry.bodies.br && entry.bodies.gzip && accepted.gzip ? 'gzip' : accepted.best;
    const body = this.bodyOf(entry, encoding);
    res.writeHead(entry.status, this.block(entry, encoding, outcome, etag));
    res.end(req.method === 'HEAD' ? undefined : body);
    if (outcome === 'hit' && encoding !== 'identity') {
      if (!entry.refined[encoding]) this.refine(entry, encoding);
      if (accepted.best === 'br' && encoding !== 'br' && !entry.refined.br) this.refine(entry, 'br');
    }
  }

  /**
   * The header block of a response from `entry`: for a hit the complete one (made once per entry and
   * kind), for a miss the entry's own headers (its Cache-Control, Vary and Content-Type, which it may
   * have changed) and those made for this response.
   */
  private block(entry: Entry, kind: Encoding | 'notModified', outcome: Outcome, etag: string | undefined): Block {
    const kept = outcome === 'hit' && etag !== undefined ? entry.blocks[kind] : undefined;
    if (kept) return kept;
    const block: Block = [];
    const headers = outcome === 'hit' ? entry.headers : entry.headers.slice(entry.headers.length - OWN_HEADERS);
    for (const [name, value] of headers) if (kind !== 'notModified' || !NOT_IN_304.has(name.toLowerCase())) block.push(name, value);
    if (etag !== undefined) block.push('ETag', etag);
    block.push('X-Page-Cache', outcome);
    if (kind !== 'notModified') {
      if (kind !== 'identity') block.push('Content-Encoding', kind);
      block.push('Content-Length', String((kind === 'identity' ? entry.bodies.identity : this.bodyOf(entry, kind)).length));
    }
    if (outcome === 'hit' && etag !== undefined) entry.blocks[kind] = block;
    return block;
  }

  /**
   * Brotli when accepted, else gzip, else none (and whether gzip is accepted): negotiated as Express does
   * (the same library), once per distinct Accept-Encoding value (browsers send a handful), not per request.
   */
  private acceptedBy(req: IncomingMessage): Accepted {
    const header = req.headers['accept-encoding'] ?? '';
    let accepted = this.negotiated.get(header);
    if (!accepted) {
      const negotiator = accepts(req);
      const gzip = Boolean(negotiator.encodings('gzip'));
      accepted = { best: negotiator.encodings('br') ? 'br' : gzip ? 'gzip' : 'identity', gzip };
      if (this.negotiated.size >= 100) this.negotiated.clear();
      this.negotiated.set(header, accepted);
    }
    return accepted;
  }

  /**
   * Compresses a page asked for again in `encoding` once more, smaller, once this response is out; makes
   * the body in that encoding if the entry has none (a stitched page asked for by a client preferring Brotli).
   */
  private refine(entry: Entry, encoding: 'gzip' | 'br'): void {
    entry.refined[encoding] = true;
    setImmediate(() => {
      if (entry.borrowed) return;
      const before = entry.bodies[encoding];
      const small = encode(entry.bodies.identity, encoding, 'small');
      if (before && small.length >= before.length) return;
      const grown = small.length - (before?.length ?? 0);
      entry.bodies[encoding] = small;
      delete entry.blocks[encoding];
      entry.bytes += grown;
      if (this.entries.get(entry.key) === entry) {
        this.bytes += grown;
        this.evict();
      }
    });
  }

  /** The entry's body in `encoding`, compressed now if nobody asked for that encoding before. */
  private bodyOf(entry: Entry, encoding: Encoding): Buffer {
    // Sent as it is, a borrowed body is copied: the socket may still hold it when the next page is encoded.
    if (encoding === 'identity') return entry.borrowed ? Buffer.from(entry.bodies.identity) : entry.bodies.identity;
    let body = entry.bodies[encoding];
    if (!body) {
      body = encode(entry.bodies.identity, encoding, 'fast');
      entry.bodies[encoding] = body;
      entry.bytes += body.length;
      if (this.entries.get(entry.key) === entry) {
        this.bytes += body.length;
        this.evict();
      }
    }
    return body;
  }

  private capture(req: Request, res: Response, key: string): void {
    const generation = this.generation;
    const send = res.send.bind(res);
    // Templates rendered for this response write their fragments as markers of these parts (views.ts).
    const parts = new PageParts();
    res.locals.pageParts = parts;
    res.setHeader('X-Page-Cache', 'miss');
    res.send = (sent?: unknown) => {
      res.send = send;
      delete res.locals.pageParts;
      const kept = this.wanted(key);
      const entry = generation === this.generation ? this.entryFor(key, res, sent, kept, parts) : null;
      if (!entry) {
        // Every page that is not stitched is sent as plain HTML, whatever happened while it rendered.
        const body = typeof sent === 'string' ? parts.resolve(sent) : sent;
        if (!this.compress) return send(body as never);
        // Not for the cache: sent as any other response, compressed by the middleware installed now.
        void this.compress(req, res, () => send(body as never));
        return res;
      }
      if (kept) this.store(entry);
      this.write(req, res, entry, 'miss', kept);
      return res;
    };
  }

  /**
   * The response as a cache entry, or null when it must not be shared. An entry that will not be `kept`
   * answers its one miss only, which sends the headers already set on the response: it skips copying
   * them (about 5% of a miss's CPU time, most misses being URLs asked for once).
   */
  private entryFor(key: string, res: Response, body: unknown, kept: boolean, parts: PageParts): Entry | null {
    if (res.statusCode !== 200 || res.getHeader('Set-Cookie') || isPersonalResponse(res)) return null;
    if (NOT_SHARED.test(String(res.getHeader('Cache-Control') ?? ''))) return null;
    if (typeof body !== 'string' && !Buffer.isBuffer(body)) return null;
    // res.send would default a string to HTML and add the charset; the stored page says what it would have.
    let contentType = String(res.getHeader('Content-Type') ?? (typeof body === 'string' ? 'text/html' : ''));
    if (!CACHEABLE_TYPES.test(contentType)) return null;
    if (typeof body === 'string' && !/charset=/i.test(contentType)) contentType += '; charset=utf-8';
    // A page answered once and not kept is only compressed (or hashed) at once: encoded into the scratch buffer.
    let borrowed = typeof body === 'string' && !kept && body.length <= MAX_SCRATCH_CHARS;
    let identity: Buffer;
    let gzip: Buffer | undefined;
    if (typeof body === 'string' && parts.used) {
      // Made of pieces: its bytes copied and its gzip body stitched from theirs (page-parts.ts).
      borrowed = false;
      const into = (length: number) => {
        if (kept || length > MAX_SCRATCH_CHARS) return Buffer.allocUnsafe(length);
        borrowed = true;
        return this.scratchOf(length);
      };
      ({ identity, gzip } = parts.stitch(body, this.prepared, into));
    } else {
      identity = typeof body === 'string' ? (borrowed ? this.intoScratch(body) : Buffer.from(body)) : body;
    }
    if (identity.length > this.maxBytes / 10) return null;
    const headers: Entry['headers'] = [];
    // Names as they were set (Node has getRawHeaderNames on every outgoing message; its types only on requests).
    for (const name of kept ? (res as unknown as { getRawHeaderNames(): string[] }).getRawHeaderNames() : []) {
      const value = res.getHeader(name);
      if (value === undefined || NOT_REPLAYED.has(name.toLowerCase())) continue;
      headers.push([name, typeof value === 'number' ? String(value) : value]);
    }
    // A handler's own shared Cache-Control (a CDN's s-maxage, say) is kept; private ones never get here.
    headers.push(['Cache-Control', String(res.getHeader('Cache-Control') ?? CACHE_CONTROL)], ['Vary', 'Accept-Encoding'], ['Content-Type', contentType]);
    return {
      key,
      status: 200,
      contentType,
      headers,
      blocks: {},
      bodies: gzip ? { identity, gzip } : { identity },
      ...(borrowed ? { borrowed } : {}),
      refined: {},
      bytes: identity.length + (gzip?.length ?? 0),
      expires: Date.now() + this.ttlMs,
    };
  }

  /**
   * A page as UTF-8 in the scratch buffer, valid until the next call. Most misses are pages answered once
   * (unique URLs) whose bytes are only compressed: a fresh Buffer per page (memory outside the heap, that
   * the garbage collector tracks) made the conversion and its compression together cost a tenth to a
   * fifth more, measured on the seeded home and post pages.
   */
  private intoScratch(text: string): Buffer {
    // Three bytes per UTF-16 unit at most (a surrogate pair is two units and four bytes), so it always fits.
    const scratch = this.scratchOf(text.length * 3);
    return scratch.subarray(0, scratch.write(text, 0, 'utf8'));
  }

  /** The scratch buffer, at least `length` bytes long. */
  private scratchOf(length: number): Buffer {
    if (this.scratch.length < length) this.scratch = Buffer.allocUnsafe(Math.max(length, 64 * 1024));
    return this.scratch;
  }

  /** The pages kept now and their bodies, for inspection (tests, debugging). */
  stored(): Array<{ key: string; body: string }> {
    return [...this.entries.values()].map((entry) => ({ key: entry.key, body: entry.bodies.identity.toString() }));
  }

  private store(entry: Entry): void {
    this.remove(entry.key);
    this.entries.set(entry.key, entry);
    this.bytes += entry.bytes;
    this.stats.stores++;
    this.evict();
  }

  private evict(): void {
    while (this.entries.size > this.maxEntries || this.bytes > this.maxBytes) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.remove(oldest);
    }
  }

  private remove(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.bytes -= entry.bytes;
    this.entries.delete(key);
  }
}
