// Cookies and CSRF tokens for driving the app as a browser would, without going through the sign-in
// form each time (auth tests do that part for real).
import { createHmac, randomBytes } from 'node:crypto';
import { deriveKeys } from '../../src/auth/keys.js';
import { signSession } from '../../src/auth/session.js';
import type { Config } from '../../src/config.js';

export interface TestSession {
  /** Value for a `Cookie` header. */
  cookie: string;
  /** The matching CSRF token for `_csrf` or `x-csrf-token`. */
  csrf: string;
}

function csrfPair(config: Pick<Config, 'jwtSecret'>): { cookie: string; csrf: string } {
  const secret = randomBytes(32).toString('base64url');
  const csrf = createHmac('sha256', deriveKeys(config.jwtSecret).csrf).update(secret).digest('base64url');
  return { cookie: `quire_csrf=${secret}`, csrf };
}

/** An anonymous browser that has loaded a form. */
export function anonymousSession(config: Pick<Config, 'jwtSecret'>): TestSession {
  return csrfPair(config);
}

/** A browser signed in as this user. */
export function sessionFor(
  user: { _id: unknown; tokenVersion?: number },
  config: Pick<Config, 'jwtSecret'>,
): TestSession {
  const pair = csrfPair(config);
  const token = signSession({ sub: String(user._id), ver: user.tokenVersion ?? 0 }, deriveKeys(config.jwtSecret).session);
  return { cookie: `quire_session=${token}; ${pair.cookie}`, csrf: pair.csrf };
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
