// The session: a JWT (HS256, algorithm pinned on verify) in the HttpOnly cookie `quire_session`, with
// issuer, audience, expiry and the user's tokenVersion. Bumping tokenVersion (password change, "sign out
// everywhere", suspension) ends every session issued before it.
import type { CookieOptions, Response } from 'express';
import jwt from 'jsonwebtoken';

export const SESSION_COOKIE = 'quire_session';
export const SESSION_TTL_SECONDS = 7 * 24 * 60 * 60;
const ISSUER = 'quire';
const AUDIENCE = 'quire-web';

export interface SessionClaims {
  sub: string;
  ver: number;
}

export function signSession(claims: SessionClaims, key: Buffer, ttlSeconds = SESSION_TTL_SECONDS): string {
  return jwt.sign({ ver: claims.ver }, key, {
    algorithm: 'HS256',
    subject: claims.sub,
    issuer: ISSUER,
    audience: AUDIENCE,
    expiresIn: ttlSeconds,
  });
}

/** The claims of a valid token, or undefined for anything forged, expired, or of another algorithm. */
export function verifySession(token: string, key: Buffer): SessionClaims | undefined {
  try {
    const payload = jwt.verify(token, key, { algorithms: ['HS256'], issuer: ISSUER, audience: AUDIENCE });
    if (typeof payload !== 'object' || typeof payload.sub !== 'string' || typeof payload.ver !== 'number') return undefined;
    if (!/^[a-f0-9]{24}$/.test(payload.sub)) return undefined;
    return { sub: payload.sub, ver: payload.ver };
  } catch {
    return undefined;
  }
}

export function sessionCookieOptions(secure: boolean): CookieOptions {
  return { httpOnly: true, sameSite: 'lax', secure, path: '/', maxAge: SESSION_TTL_SECONDS * 1000 };
}

export function setSessionCookie(res: Response, claims: SessionClaims, key: Buffer, secure: boolean): void {
  res.cookie(SESSION_COOKIE, signSession(claims, key), sessionCookieOptions(secure));
}

export function clearSessionCookie(res: Response, secure: boolean): void {
  const { maxAge: _maxAge, ...options } = sessionCookieOptions(secure);
  res.clearCookie(SESSION_COOKIE, options);
}
