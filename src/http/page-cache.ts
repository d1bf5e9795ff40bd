// An in-memory cache of public pages for anonymous visitors.
//
// A page is stored only when nothing about it was personal: a GET that http/personal.ts calls anonymous
// (the same decision, from the same parse of the Cookie header, that keeps the session loader away from
// it), answered 200 with HTML/XML/text, not marked personal while it was rendered (a user, a CSRF token
// or a flash), without setting a cookie and without a private or no-store Cache-Control from its handler.
// A hit costs a map lookup and a write: no session, no database, no template, no compression.
//
// Compression happens once per page and encoding, not per request: a miss is compressed in the encoding
// its client asked for and answered from the new entry (the compression middleware sees it is already
// encoded), and the other encodings are made the first time someone asks for them. That first
// compression is a fast one (Brotli quality 1: a sixth of the time of quality 6, a quarter larger),
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
import { brotliCompressSync, constants as zlib, gzipSync } from 'node:zlib';
import type { NextFunction, Request, Response } from 'express';
import { onChange } from '../db/changes.js';
import { isPersonalRequest, isPersonalResponse } from './personal.js';

type Encoding = 'identity' | 'gzip' | 'br';

interface Entry {
  key: string;
  status: number;
  contentType: string;
  /** Made when first needed: a page answered once and not kept is not hashed unless the request is conditional. */
  etag?: string;
  cacheControl: string;
  /** The page's surrogate keys (cdn-headers.ts), replayed on every hit. */
  surrogate: { key?: string; tag?: string };
  bodies: { identity: Buffer; gzip?: Buffer; br?: Buffer };
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
}

const CACHEABLE_TYPES = /^(text\/html|application\/(rss\+)?xml|text\/xml|text\/plain)/;
const NOT_SHARED = /\b(?:private|no-store)\b/i;
const CACHE_CONTROL = 'public, max-age=0, must-revalidate';
/** Longer URLs (query strings nobody links to) are answered without being counted or kept. */
const MAX_KEY_LENGTH = 1024;

type Effort = 'fast' | 'small';
const GZIP_LEVEL: Record<Effort, number> = { fast: 1, small: 6 };
const BROTLI_QUALITY: Record<Effort, number> = { fast: 1, small: 6 };

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
  private readonly negotiated = new Map<string, Encoding>();
  private readonly asked = new Map<string, { count: number; until: number }>();
  private readonly askedMs: number;
  private readonly maxAsked: number;
  private bytes = 0;
  private generation = 0;
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly maxBytes: number;
  private readonly coalesceMs: number;
  private readonly paths: RegExp;
  readonly stats = { hits: 0, misses: 0, stores: 0, coalesced: 0 };

  constructor(options: PageCacheOptions) {
    this.ttlMs = options.ttlMs ?? 60_000;
    this.maxEntries = options.maxEntries ?? 1000;
    this.maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
    this.coalesceMs = options.coalesceMs ?? 5_000;
    this.paths = options.paths;
    this.askedMs = options.askedMs ?? 10 * 60_000;
    this.maxAsked = options.maxAsked ?? 10_000;
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

  /** Subscribes to the change bus; returns the unsubscribe function. */
  listen(): () => void {
    return onChange(() => this.clear());
  }

  middleware() {
    return (req: Request, res: Response, next: NextFunction): void => {
      if ((req.method !== 'GET' && req.method !== 'HEAD') || !this.paths.test(req.path)) return next();
      if (isPersonalRequest(req)) {
        res.setHeader('Cache-Control', 'private, no-cache');
        return next();
      }
      const key = req.originalUrl;
      if (key.length > MAX_KEY_LENGTH) return next();
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
    this.serve(req, res, hit, 'hit');
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

  private serve(req: Request, res: Response, entry: Entry, outcome: 'hit' | 'miss', kept = true): void {
    if (kept || req.headers['if-none-match']) res.setHeader('ETag', (entry.etag ??= etagOf(entry.bodies.identity)));
    res.setHeader('Cache-Control', entry.cacheControl);
    if (entry.surrogate.key) res.setHeader('Surrogate-Key', entry.surrogate.key);
    if (entry.surrogate.tag) res.setHeader('Cache-Tag', entry.surrogate.tag);
    res.setHeader('Vary', 'Accept-Encoding');
    res.setHeader('X-Page-Cache', outcome);
    if (req.fresh) {
      res.status(304).end();
      return;
    }
    // Brotli is smaller than gzip for the same page; prefer it whenever the client accepts both.
    const encoding = this.encodingFor(req);
    const body = this.bodyOf(entry, encoding);
    res.status(entry.status);
    res.setHeader('Content-Type', entry.contentType);
    if (encoding !== 'identity') res.setHeader('Content-Encoding', encoding);
    res.setHeader('Content-Length', String(body.length));
    res.end(req.method === 'HEAD' ? undefined : body);
    if (outcome === 'hit' && encoding !== 'identity' && !entry.refined[encoding]) this.refine(entry, encoding);
  }

  /**
   * Brotli when accepted, else gzip, else none: negotiated the way Express does, once per distinct
   * Accept-Encoding value (browsers send a handful), not once per request.
   */
  private encodingFor(req: Request): Encoding {
    const header = req.headers['accept-encoding'] ?? '';
    let encoding = this.negotiated.get(header);
    if (!encoding) {
      encoding = req.acceptsEncodings('br') ? 'br' : req.acceptsEncodings('gzip') ? 'gzip' : 'identity';
      if (this.negotiated.size >= 100) this.negotiated.clear();
      this.negotiated.set(header, encoding);
    }
    return encoding;
  }

  /** Compresses a page asked for again in `encoding` once more, smaller, once this response is out. */
  private refine(entry: Entry, encoding: 'gzip' | 'br'): void {
    entry.refined[encoding] = true;
    setImmediate(() => {
      const fast = entry.bodies[encoding];
      if (!fast) return;
      const small = encode(entry.bodies.identity, encoding, 'small');
      if (small.length >= fast.length) return;
      entry.bodies[encoding] = small;
      entry.bytes -= fast.length - small.length;
      if (this.entries.get(entry.key) === entry) this.bytes -= fast.length - small.length;
    });
  }

  /** The entry's body in `encoding`, compressed now if nobody asked for that encoding before. */
  private bodyOf(entry: Entry, encoding: Encoding): Buffer {
    if (encoding === 'identity') return entry.bodies.identity;
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
    res.setHeader('X-Page-Cache', 'miss');
    res.send = (body?: unknown) => {
      res.send = send;
      const entry = generation === this.generation ? this.entryFor(key, res, body) : null;
      if (!entry) return send(body as never);
      const kept = this.wanted(key);
      if (kept) this.store(entry);
      this.serve(req, res, entry, 'miss', kept);
      return res;
    };
  }

  /** The response as a cache entry, or null when it must not be shared. */
  private entryFor(key: string, res: Response, body: unknown): Entry | null {
    if (res.statusCode !== 200 || res.getHeader('Set-Cookie') || isPersonalResponse(res)) return null;
    if (NOT_SHARED.test(String(res.getHeader('Cache-Control') ?? ''))) return null;
    if (typeof body !== 'string' && !Buffer.isBuffer(body)) return null;
    // res.send would default a string to HTML and add the charset; the stored page says what it would have.
    let contentType = String(res.getHeader('Content-Type') ?? (typeof body === 'string' ? 'text/html' : ''));
    if (!CACHEABLE_TYPES.test(contentType)) return null;
    if (typeof body === 'string' && !/charset=/i.test(contentType)) contentType += '; charset=utf-8';
    const identity = typeof body === 'string' ? Buffer.from(body) : body;
    if (identity.length > this.maxBytes / 10) return null;
    // A page that declared itself to shared caches (cdn-headers.ts) keeps what it said; any other gets the default.
    const declared = res.getHeader('Surrogate-Key') ? String(res.getHeader('Cache-Control') ?? '') : '';
    return {
      key,
      status: 200,
      contentType,
      cacheControl: declared || CACHE_CONTROL,
      surrogate: { key: res.getHeader('Surrogate-Key')?.toString(), tag: res.getHeader('Cache-Tag')?.toString() },
      bodies: { identity },
      refined: {},
      bytes: identity.length,
      expires: Date.now() + this.ttlMs,
    };
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
