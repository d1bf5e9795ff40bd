// An in-memory cache of public pages for anonymous visitors.
//
// A page is stored only when nothing about it was personal: a GET without a session or flash cookie,
// answered 200 with HTML/XML/text and without setting a cookie (a page that asked for a CSRF token sets
// one, so forms are never cached). It is stored once in each encoding (identity, gzip, brotli) so a hit
// costs a map lookup and a write: no session, no database, no template, no compression. Every content
// change (contentChanged) empties it; entries also expire after a short TTL so that time-driven changes
// (a scheduled post whose time has come) show up without a write.
import { brotliCompressSync, constants as zlib, gzipSync } from 'node:zlib';
import type { NextFunction, Request, Response } from 'express';
import { onContentChange } from './content-version.js';

interface Entry {
  status: number;
  contentType: string;
  etag: string;
  cacheControl: string;
  bodies: { identity: Buffer; gzip: Buffer; br: Buffer };
  bytes: number;
  expires: number;
}

export interface PageCacheOptions {
  ttlMs?: number;
  maxEntries?: number;
  maxBytes?: number;
  /** Only paths matching this are considered. */
  paths: RegExp;
}

const PERSONAL_COOKIES = /(?:^|;\s*)(quire_session|quire_flash)=/;
const CACHEABLE_TYPES = /^(text\/html|application\/(rss\+)?xml|text\/xml|text\/plain)/;

export class PageCache {
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;
  private generation = 0;
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly maxBytes: number;
  private readonly paths: RegExp;
  readonly stats = { hits: 0, misses: 0, stores: 0 };

  constructor(options: PageCacheOptions) {
    this.ttlMs = options.ttlMs ?? 60_000;
    this.maxEntries = options.maxEntries ?? 1000;
    this.maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
    this.paths = options.paths;
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

  /** Subscribes to content changes; returns the unsubscribe function. */
  listen(): () => void {
    return onContentChange(() => this.clear());
  }

  middleware() {
    return (req: Request, res: Response, next: NextFunction): void => {
      if ((req.method !== 'GET' && req.method !== 'HEAD') || !this.paths.test(req.path)) return next();
      if (PERSONAL_COOKIES.test(req.headers.cookie ?? '')) {
        res.set('Cache-Control', 'private, no-cache');
        return next();
      }
      const key = req.originalUrl;
      const hit = this.entries.get(key);
      if (hit && hit.expires > Date.now()) {
        this.stats.hits++;
        // Refresh its place in the LRU order.
        this.entries.delete(key);
        this.entries.set(key, hit);
        return this.serve(req, res, hit);
      }
      if (hit) this.remove(key);
      this.stats.misses++;
      this.capture(req, res, key);
      next();
    };
  }

  private serve(req: Request, res: Response, entry: Entry): void {
    res.set('ETag', entry.etag);
    res.set('Cache-Control', entry.cacheControl);
    res.set('Vary', 'Accept-Encoding');
    res.set('X-Page-Cache', 'hit');
    if (req.fresh) {
      res.status(304).end();
      return;
    }
    // Brotli is smaller than gzip for the same page; prefer it whenever the client accepts both.
    const encoding = req.acceptsEncodings('br') ? 'br' : req.acceptsEncodings('gzip') ? 'gzip' : 'identity';
    const body = entry.bodies[encoding];
    res.status(entry.status);
    res.set('Content-Type', entry.contentType);
    if (encoding !== 'identity') res.set('Content-Encoding', encoding);
    res.set('Content-Length', String(body.length));
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  private capture(_req: Request, res: Response, key: string): void {
    const generation = this.generation;
    const send = res.send.bind(res);
    res.set('X-Page-Cache', 'miss');
    res.send = (body?: unknown) => {
      res.send = send;
      const result = send(body as never);
      if (generation === this.generation) this.maybeStore(key, res, body);
      return result;
    };
  }

  private maybeStore(key: string, res: Response, body: unknown): void {
    if (res.statusCode !== 200 || res.getHeader('Set-Cookie')) return;
    const contentType = String(res.getHeader('Content-Type') ?? '');
    if (!CACHEABLE_TYPES.test(contentType)) return;
    const etag = res.getHeader('ETag');
    if (typeof etag !== 'string') return;
    const identity = typeof body === 'string' ? Buffer.from(body) : Buffer.isBuffer(body) ? body : undefined;
    if (!identity) return;
    const entry: Entry = {
      status: 200,
      contentType,
      etag,
      cacheControl: 'public, max-age=0, must-revalidate',
      bodies: {
        identity,
        gzip: gzipSync(identity, { level: 6 }),
        br: brotliCompressSync(identity, { params: { [zlib.BROTLI_PARAM_QUALITY]: 6, [zlib.BROTLI_PARAM_SIZE_HINT]: identity.length } }),
      },
      bytes: 0,
      expires: Date.now() + this.ttlMs,
    };
    entry.bytes = identity.length + entry.bodies.gzip.length + entry.bodies.br.length;
    if (entry.bytes > this.maxBytes / 10) return;
    this.remove(key);
    this.entries.set(key, entry);
    this.bytes += entry.bytes;
    this.stats.stores++;
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
