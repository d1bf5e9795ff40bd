// CSRF protection for every state-changing request, anonymous forms included.
//
// Each browser gets a random secret in the HttpOnly cookie `quire_csrf`; the token placed in forms (field
// `_csrf`) or sent by scripts (header `x-csrf-token`) is an HMAC of that secret under a server key. A
// cross-site page can neither read the cookie nor compute the HMAC, so it cannot forge the token. Multipart
// bodies are parsed only by the upload routes, so for them the token also travels in the query (`?_csrf=`);
// Referrer-Policy: no-referrer (helmet) keeps it out of other sites' logs, and pino-http drops queries.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { CookieOptions, NextFunction, Request, Response } from 'express';
import { Forbidden } from './errors.js';
import { markPersonal } from './personal.js';

export const CSRF_COOKIE = 'quire_csrf';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const SECRET_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/** Whether a parsed cookie is a well-formed CSRF secret under its exact name (see personal.ts). */
export function isCsrfCookie(name: string, value: unknown): boolean {
  return name === CSRF_COOKIE && typeof value === 'string' && SECRET_SHAPE.test(value);
}

export function csrfProtection(key: Buffer, secure: boolean) {
  const cookieOptions: CookieOptions = { httpOnly: true, sameSite: 'lax', secure, path: '/' };
  const tokenFor = (secret: string) => createHmac('sha256', key).update(secret).digest('base64url');

  return function csrf(req: Request, res: Response, next: NextFunction): void {
    const existing = req.cookies?.[CSRF_COOKIE];
    const secret = typeof existing === 'string' && SECRET_SHAPE.test(existing) ? existing : undefined;

    // Pages ask for a token lazily, so pages without forms set no cookie (and stay cacheable).
    let issued: string | undefined = secret;
    res.locals.csrfToken = (): string => {
      // A page carrying a token belongs to one browser: never stored for others.
      markPersonal(res);
      if (!issued) {
        issued = randomBytes(32).toString('base64url');
        res.cookie(CSRF_COOKIE, issued, cookieOptions);
      }
      return tokenFor(issued);
    };

    if (SAFE_METHODS.has(req.method)) return next();

    const sent = tokenFrom(req);
    if (!secret || !sent || !equal(sent, tokenFor(secret))) {
      return next(new Forbidden('This form has expired or did not come from this site. Please go back, reload and try again.'));
    }
    next();
  };
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
