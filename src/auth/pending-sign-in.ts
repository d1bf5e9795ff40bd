// Between the password and the second factor: a short-lived signed cookie that says "this browser gave
// the right password for this account, 5 minutes ago at most". It is not a session: loadUser never reads
// it, it opens no page but /signin/2fa (its Path), and it is signed with a key of its own (keys.ts) and a
// different audience, so it can never pass for a session token nor a session token for it.
import type { CookieOptions, Response } from 'express';
import { randomBytes, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';

export const PENDING_COOKIE = 'quire_2fa';
const TTL_SECONDS = 5 * 60;
const ISSUER = 'quire';
const AUDIENCE = 'quire-second-step';

export interface PendingSignIn {
  sub: string;
  ver: number;
  /** Where to go once signed in (already made safe by safeNextPath). */
  next: string;
}

const options = (secure: boolean): CookieOptions => ({ httpOnly: true, sameSite: 'lax', secure, path: '/signin/2fa', maxAge: TTL_SECONDS * 1000 });

export function setPendingCookie(res: Response, claims: PendingSignIn, key: KeyObject, secure: boolean): void {
  const token = jwt.sign({ ver: claims.ver, next: claims.next }, key, {
    algorithm: 'HS256',
    subject: claims.sub,
    issuer: ISSUER,
    audience: AUDIENCE,
    expiresIn: TTL_SECONDS,
    jwtid: randomBytes(12).toString('base64url'),
  });
  res.cookie(PENDING_COOKIE, token, options(secure));
}

export function clearPendingCookie(res: Response, secure: boolean): void {
  const { maxAge: _maxAge, ...rest } = options(secure);
  res.clearCookie(PENDING_COOKIE, rest);
}

export function verifyPending(token: unknown, key: KeyObject): PendingSignIn | undefined {
  if (typeof token !== 'string' || !token) return undefined;
  try {
    const p = jwt.verify(token, key, { algorithms: ['HS256'], issuer: ISSUER, audience: AUDIENCE, maxAge: TTL_SECONDS });
    if (typeof p !== 'object' || typeof p.sub !== 'string' || !/^[a-f0-9]{24}$/.test(p.sub)) return undefined;
    if (typeof p.ver !== 'number' || typeof p.next !== 'string' || !p.next.startsWith('/')) return undefined;
    return { sub: p.sub, ver: p.ver, next: p.next };
  } catch {
    return undefined;
  }
}
