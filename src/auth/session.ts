// The session: a JWT (HS256, algorithm pinned on verify) in the HttpOnly cookie `quire_session`, with
// issuer, audience, expiry, a random id (jti) and the user's tokenVersion. Bumping tokenVersion (password
// change, "sign out everywhere", suspension) ends every session issued before it; signing out revokes the
// one token by its id (see revokeSession), so a copy of the cookie dies with it, as a Django session does.
import type { CookieOptions, Response } from 'express';
import { randomBytes, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';

export const SESSION_COOKIE = 'quire_session';
export const SESSION_TTL_SECONDS = 7 * 24 * 60 * 60;
const ISSUER = 'quire';
const AUDIENCE = 'quire-web';
/** Clock difference tolerated between signing and checking a token (one process today, several hosts later). */
const CLOCK_SKEW_SECONDS = 60;

export interface SessionClaims {
  sub: string;
  ver: number;
}

/** A verified token: its claims, its id and when it expires. */
export interface VerifiedSession extends SessionClaims {
  jti: string;
  expiresAt: Date;
}

export function signSession(claims: SessionClaims, key: KeyObject, ttlSeconds = SESSION_TTL_SECONDS): string {
  return jwt.sign({ ver: claims.ver }, key, {
    algorithm: 'HS256',
    subject: claims.sub,
    issuer: ISSUER,
    audience: AUDIENCE,
    expiresIn: ttlSeconds,
    jwtid: randomBytes(12).toString('base64url'),
  });
}

/**
 * The claims of a valid token, or undefined for anything forged, expired, or of another algorithm.
 * A correctly signed token must also be one Quire could have issued: a lifetime (exp - iat) of at most
 * SESSION_TTL_SECONDS and no issue date in the future. A leaked key or a signing bug must not be able to
 * mint sessions that outlive every revocation list (revocations are kept only until the token's exp).
 */
export function verifySession(token: string, key: KeyObject): VerifiedSession | undefined {
  try {
    const clockTimestamp = Math.floor(Date.now() / 1000);
    const payload = jwt.verify(token, key, {
      algorithms: ['HS256'],
      issuer: ISSUER,
      audience: AUDIENCE,
      clockTimestamp,
      // Also refuses tokens without iat, and tokens issued more than SESSION_TTL_SECONDS ago.
      maxAge: SESSION_TTL_SECONDS,
    });
    if (typeof payload !== 'object' || typeof payload.sub !== 'string' || typeof payload.ver !== 'number') return undefined;
    if (!/^[a-f0-9]{24}$/.test(payload.sub)) return undefined;
    if (typeof payload.jti !== 'string' || typeof payload.exp !== 'number' || typeof payload.iat !== 'number') return undefined;
    if (payload.exp - payload.iat > SESSION_TTL_SECONDS || payload.iat > clockTimestamp + CLOCK_SKEW_SECONDS) return undefined;
    return { sub: payload.sub, ver: payload.ver, jti: payload.jti, expiresAt: new Date(payload.exp * 1000) };
  } catch {
    return undefined;
  }
}

export function sessionCookieOptions(secure: boolean): CookieOptions {
  return { httpOnly: true, sameSite: 'lax', secure, path: '/', maxAge: SESSION_TTL_SECONDS * 1000 };
}

export function setSessionCookie(res: Response, claims: SessionClaims, key: KeyObject, secure: boolean): void {
  res.cookie(SESSION_COOKIE, signSession(claims, key), sessionCookieOptions(secure));
}

export function clearSessionCookie(res: Response, secure: boolean): void {
  const { maxAge: _maxAge, ...options } = sessionCookieOptions(secure);
  res.clearCookie(SESSION_COOKIE, options);
}
