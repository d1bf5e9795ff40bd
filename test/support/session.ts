// Cookies and CSRF tokens for driving the app as a browser would, without going through the sign-in
// form each time (auth tests do that part for real).
import jwt from 'jsonwebtoken';
import { deriveKeys } from '../../src/auth/keys.js';
import { signSession } from '../../src/auth/session.js';
import type { Config } from '../../src/config.js';
import { csrfCookieName, csrfTokenFor, mintCsrfSecret } from '../../src/http/csrf.js';

export interface TestSession {
  /** Value for a `Cookie` header. */
  cookie: string;
  /** The matching CSRF token for `_csrf` or `x-csrf-token`. */
  csrf: string;
}

type CsrfConfig = Pick<Config, 'jwtSecret'> & Partial<Pick<Config, 'secureCookies'>>;

/** A CSRF cookie the server could have minted, and the token for it bound to this session id (or anonymous). */
function csrfPair(config: CsrfConfig, sessionId: string | undefined): { cookie: string; csrf: string } {
  const key = deriveKeys(config.jwtSecret).csrf;
  const secret = mintCsrfSecret(key);
  return { cookie: `${csrfCookieName(config.secureCookies ?? false)}=${secret}`, csrf: csrfTokenFor(key, secret, sessionId) };
}

/** An anonymous browser that has loaded a form. */
export function anonymousSession(config: CsrfConfig): TestSession {
  return csrfPair(config, undefined);
}

/** A browser signed in as this user. */
export function sessionFor(user: { _id: unknown; tokenVersion?: number }, config: CsrfConfig): TestSession {
  const token = signSession({ sub: String(user._id), ver: user.tokenVersion ?? 0 }, deriveKeys(config.jwtSecret).session);
  return withSessionCookie(`quire_session=${token}`, config);
}

/** A browser with this session cookie (from a real sign-in, say) that has loaded a form since. */
export function withSessionCookie(sessionCookie: string, config: CsrfConfig): TestSession {
  const token = /quire_session=([^;]+)/.exec(sessionCookie)?.[1];
  const jti = token ? (jwt.decode(token, { json: true })?.jti ?? undefined) : undefined;
  if (!jti) throw new Error('no session token in cookie');
  const pair = csrfPair(config, jti);
  return { cookie: `${sessionCookie}; ${pair.cookie}`, csrf: pair.csrf };
}

/** The `_csrf` value of the first form in a page. */
export function csrfFromHtml(html: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!match) throw new Error('no _csrf field in page');
  return match[1]!;
}

/** `name=value` pairs of a response's Set-Cookie headers, for the next request's Cookie header. */
export function cookiesFrom(setCookie: string[] | string | undefined): string {
  const list = Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : [];
  return list.map((c) => c.split(';')[0]).join('; ');
}
