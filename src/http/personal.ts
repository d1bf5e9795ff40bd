// Whether a request or a response is personal: the one answer that the page cache (which serves one stored
// page to everyone) and the session loader (which makes a page about one reader) must agree on.
//
// If the cache called a request anonymous while the session loader found a session in it, a signed-in page
// (name, CSRF token, the reader's own comments awaiting review) would be stored and served to every
// visitor. Two parsers of one Cookie header always disagree somewhere (whitespace around names, quotes,
// duplicates, encodings), so there is only one: readCookies() parses the header once per request with
// cookie-parser itself, keeps the result as req.cookies / req.signedCookies, and decides from the same
// header whether the request is personal. The session loader and the flash reader only look for their
// cookies in a request called personal here, so "not personal" means "anonymous" by construction.
// The rule errs towards personal: any cookie that could be taken for one of Quire's (after the
// normalisations parsers and proxies apply: case, whitespace, punctuation, percent-encoding, Unicode
// compatibility forms) makes the request personal, except one well-formed CSRF cookie under its exact name.
//
// Independently (defence in depth), every response rendered with a user, a CSRF token or a flash is marked
// by markPersonal(): it gets `Cache-Control: private, no-store` (no shared cache, nor the page cache, may
// keep it) and isPersonalResponse() tells the page cache never to store it.
import type { IncomingMessage, ServerResponse } from 'node:http';
import cookieParser from 'cookie-parser';
import type { NextFunction, Request, Response } from 'express';
import { isCsrfCookie } from './csrf.js';

export interface RequestCookies {
  /** cookie-parser's req.cookies: unsigned cookies, first of duplicate names wins, JSON (`j:`) decoded. */
  cookies: Record<string, unknown>;
  /** cookie-parser's req.signedCookies (false where a signature is wrong). */
  signedCookies: Record<string, unknown>;
  /** Whether anything in the header could make the page personal. */
  personal: boolean;
}

const decided = new WeakMap<IncomingMessage, boolean>();
const personalResponses = new WeakSet<ServerResponse>();

/** What every Quire cookie's name contains, once normalised. */
const QUIRE = 'quire';
/** Cookies that make a page about one reader: the session and the flash message. */
const PERSONAL_NAMES = ['quiresession', 'quireflash'];

/**
 * The Cookie middleware (in place of cookie-parser's): parses the header once, sets req.cookies,
 * req.signedCookies and req.secret exactly as cookie-parser does, and records whether the request is
 * personal. Mounted before the page cache, which asks isPersonalRequest(). Its `decide` is the same step
 * for code that runs before Express (the page cache's hit path in the node:http listener): whichever asks
 * first parses, and both read the one recorded answer.
 */
export function readCookies(secret: string) {
  const parse = cookieParser(secret);
  const decide = (req: IncomingMessage): boolean => {
    const known = decided.get(req);
    if (known !== undefined) return known;
    const parsed = req as Request;
    // cookie-parser sets its fields on the request and calls back synchronously; it needs no response.
    parse(parsed, undefined as unknown as Response, () => undefined);
    const personal = isPersonalHeader(req.headers.cookie, parsed.cookies as Record<string, unknown>, parsed.signedCookies as Record<string, unknown>);
    decided.set(req, personal);
    return personal;
  };
  return Object.assign(
    function cookies(req: Request, _res: Response, next: NextFunction): void {
      decide(req);
      next();
    },
    { decide },
  );
}

/** Parses a Cookie header as readCookies() does, for code that answers before Express (and for tests). */
export function parseCookieHeader(header: string | undefined, secret: string): RequestCookies {
  const req = { headers: { cookie: header } } as unknown as Request;
  cookieParser(secret)(req, {} as Response, () => undefined);
  const cookies = req.cookies as Record<string, unknown>;
  const signedCookies = req.signedCookies as Record<string, unknown>;
  return { cookies, signedCookies, personal: isPersonalHeader(header, cookies, signedCookies) };
}

/** Whether the request may be about one reader. True when readCookies() has not run: never guess "anonymous". */
export function isPersonalRequest(req: IncomingMessage): boolean {
  return decided.get(req) ?? true;
}

/** Marks a response as rendered for one reader: never stored by the page cache, nor by any shared cache. */
export function markPersonal(res: ServerResponse): void {
  personalResponses.add(res);
  if (res.headersSent) return;
  // Surrogate keys name a shared page (cdn-headers.ts); this one is not (removed here, not imported:
  // cdn-headers.ts builds on this module).
  res.removeHeader('Surrogate-Key');
  res.removeHeader('Cache-Tag');
  // A handler's stricter `no-store` (account pages) is kept as it is.
  if (!/\bno-store\b/i.test(String(res.getHeader('Cache-Control') ?? ''))) res.setHeader('Cache-Control', 'private, no-store');
}

export function isPersonalResponse(res: ServerResponse): boolean {
  return personalResponses.has(res);
}

function isPersonalHeader(header: string | undefined, cookies: Record<string, unknown>, signedCookies: Record<string, unknown>): boolean {
  if (!header) return false;
  const flat = normalise(header);
  // Most anonymous visitors: no cookie of Quire's at all.
  if (!flat.includes(QUIRE)) return false;
  if (PERSONAL_NAMES.some((name) => flat.includes(name))) return true;
  // Something of Quire's that is not a session or flash: fine only if it is exactly one well-formed CSRF
  // cookie under its exact name. A duplicate, a malformed value, a signed or JSON value, another name
  // that normalises to Quire's, or "quire" in a place the parser read differently: personal.
  let csrfCookies = 0;
  for (const name of Object.keys(signedCookies)) if (normalise(name).includes(QUIRE)) return true;
  for (const [name, value] of Object.entries(cookies)) {
    if (isCsrfCookie(name, value)) csrfCookies++;
    else if (normalise(name).includes(QUIRE)) return true;
  }
  return occurrences(flat, QUIRE) !== csrfCookies;
}

/** Lower-case letters and digits only, after Unicode compatibility folding and percent-decoding (twice encoded too). */
function normalise(text: string): string {
  let s = fold(text);
  for (let i = 0; i < 3 && PERCENT.test(s); i++) s = fold(s.replace(/(?:%[0-9a-f]{2})+/gi, decodeRun));
  return s.toLowerCase().replace(/[^a-z0-9]/g, '');
}

const PERCENT = /%[0-9a-f]{2}/i;
// eslint-disable-next-line no-control-regex
const fold = (s: string) => (/[^\x00-\x7f]/.test(s) ? s.normalize('NFKC') : s);

function decodeRun(run: string): string {
  try {
    return decodeURIComponent(run);
  } catch {
    // Not UTF-8: byte by byte, so that an ASCII letter hidden in it still shows.
    return run.replace(/%([0-9a-f]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  }
}

function occurrences(text: string, part: string): number {
  let count = 0;
  for (let at = text.indexOf(part); at !== -1; at = text.indexOf(part, at + part.length)) count++;
  return count;
}
