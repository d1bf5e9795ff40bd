// CSRF protection for every state-changing request, anonymous forms included.
//
// Each browser gets a secret in an HttpOnly cookie (`quire_csrf`; `__Host-quire_csrf` where cookies are
// Secure, so that no subdomain or plain-http page can plant or overwrite it). The secret is random and
// signed by the server (`random.hmac`): a secret the server did not mint is ignored, so an attacker who
// can set a cookie (a sibling subdomain, a network on http) cannot choose one whose tokens he knows.
// The token placed in forms (field `_csrf`) or sent by scripts (header `x-csrf-token`) is an HMAC of that
// secret AND of the session it was made for (the session token's id, or "anon"): a token seen or planted
// in one session is worthless in another, and one from an anonymous form is worthless after signing in.
// The secret is also replaced at sign-in and sign-out (rotate()).
// A cross-site page can neither read the cookie nor compute the HMAC, so it cannot forge the token. When
// the browser says where an unsafe request comes from (Origin, or else Referer), it must be this site.
// Multipart bodies are parsed only by the upload routes, so for them the token also travels in the query
// (`?_csrf=`); Referrer-Policy: same-origin keeps it out of other sites' logs, and the request log (http/request-log.ts) drops queries.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { CookieOptions, NextFunction, Request, Response } from 'express';
import { Forbidden } from './errors.js';
import { markPersonal } from './personal.js';

export const CSRF_COOKIE = 'quire_csrf';
export const SECURE_CSRF_COOKIE = '__Host-quire_csrf';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const SECRET_SHAPE = /^[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}$/;
/** What a token is bound to when nobody is signed in. */
const ANONYMOUS = 'anon';

const FORBIDDEN = 'This form has expired or did not come from this site. Please go back, reload and try again.';

export function csrfCookieName(secure: boolean): string {
  return secure ? SECURE_CSRF_COOKIE : CSRF_COOKIE;
}

/** Whether a parsed cookie is a well-formed CSRF secret under one of its exact names (see personal.ts). */
export function isCsrfCookie(name: string, value: unknown): boolean {
  return (name === CSRF_COOKIE || name === SECURE_CSRF_COOKIE) && typeof value === 'string' && SECRET_SHAPE.test(value);
}

const mac = (key: Buffer, purpose: string, value: string) => createHmac('sha256', key).update(`${purpose}:${value}`).digest('base64url');

/** A new cookie secret: 256 random bits, signed. */
export function mintCsrfSecret(key: Buffer): string {
  const random = randomBytes(32).toString('base64url');
  return `${random}.${mac(key, 'secret', random)}`;
}

/** The token for forms, for this secret and this session id (undefined: anonymous). */
export function csrfTokenFor(key: Buffer, secret: string, sessionId: string | undefined): string {
  return mac(key, 'token', `${secret}|${sessionId ?? ANONYMOUS}`);
}

/** The secret in a cookie, if it is one the server minted. */
function mintedSecret(key: Buffer, value: unknown): string | undefined {
  if (typeof value !== 'string' || !SECRET_SHAPE.test(value)) return undefined;
  const [random, signature] = value.split('.') as [string, string];
  return equal(signature, mac(key, 'secret', random)) ? value : undefined;
}

export interface CsrfOptions {
  key: Buffer;
  /** Secure cookies (production, https): the cookie is Secure and `__Host-` prefixed. */
  secure: boolean;
  /** SITE_URL: its origin is always accepted in Origin/Referer. */
  siteUrl: string;
}

export function csrfProtection({ key, secure, siteUrl }: CsrfOptions) {
  const name = csrfCookieName(secure);
  const cookieOptions: CookieOptions = { httpOnly: true, sameSite: 'lax', secure, path: '/' };
  const siteOrigin = new URL(siteUrl).origin;

  return function csrf(req: Request, res: Response, next: NextFunction): void {
    const secret = mintedSecret(key, req.cookies?.[name]);

    // Pages ask for a token lazily, so pages without forms set no cookie (and stay cacheable).
    let issued: string | undefined = secret;
    const issue = () => {
      issued = mintCsrfSecret(key);
      res.cookie(name, issued, cookieOptions);
      return issued;
    };
    res.locals.csrfToken = (): string => {
      // A page carrying a token belongs to one browser: never stored for others.
      markPersonal(res);
      return csrfTokenFor(key, issued ?? issue(), req.sessionId);
    };
    // A new secret (sign-in, sign-out): every token of the old one dies with it.
    res.rotateCsrf = () => void issue();

    if (SAFE_METHODS.has(req.method)) return next();

    const sent = tokenFrom(req);
    if (!fromThisSite(req, siteOrigin) || !secret || !sent || !equal(sent, csrfTokenFor(key, secret, req.sessionId))) {
      return next(new Forbidden(FORBIDDEN));
    }
    next();
  };
}

/**
 * Where the browser says the request comes from, when it says: Origin, or else the Referer's origin. It must
 * be SITE_URL's origin or the origin the request was addressed to; `Origin: null` (sandboxed frames,
 * data: URLs, cross-origin redirects) is not this site. Neither header present: the token decides alone.
 */
function fromThisSite(req: Request, siteOrigin: string): boolean {
  const origin = req.get('origin');
  let source: string;
  if (origin !== undefined) source = origin;
  else {
    const referer = req.get('referer');
    if (referer === undefined) return true;
    try {
      source = new URL(referer).origin;
    } catch {
      return false;
    }
  }
  return source === siteOrigin || source === `${req.protocol}://${req.get('host')}`;
}

function tokenFrom(req: Request): string | undefined {
  const header = req.get('x-csrf-token');
  if (header) return header;
  const body = req.body as Record<string, unknown> | undefined;
  if (body && typeof body._csrf === 'string') return body._csrf;
  if (req.is('multipart/form-data') && typeof req.query._csrf === 'string') return req.query._csrf;
  return undefined;
}

function equal(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}
