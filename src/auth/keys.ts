// Independent keys for each use, derived from the one JWT_SECRET, so that a token of one kind can never
// stand in for another (a CSRF token is not a cookie signature is not a session).
//
// Rotating JWT_SECRET ends every session, CSRF token and pending sign-in at once (after a leak, that is the
// point). What is stored encrypted outlives it: TOTP secrets. With the old value in JWT_SECRET_PREVIOUS, they
// are still read, and sealed again under the new key (every one at start, and any one read meanwhile by
// another process still on the old code), after which JWT_SECRET_PREVIOUS can be removed.
import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';

/** A key to seal with, and older ones that may still open what was sealed before a rotation. */
export interface KeyRing {
  current: Buffer;
  previous: readonly Buffer[];
}

export interface Keys {
  /**
   * HS256 keys are KeyObjects: given a Buffer, jsonwebtoken first tries to read it as a public key, which
   * throws, on every sign and verify (about 1% of the CPU of signed-in requests in a profile).
   */
  session: KeyObject;
  csrf: Buffer;
  cookies: string;
  /** AES-256-GCM keys of stored TOTP secrets and of enrolment forms (two-factor.ts). */
  twoFactor: KeyRing;
  /** Signs the short-lived "password checked, second step pending" cookie (not a session). */
  pendingSignIn: KeyObject;
}

const deriveFrom = (secret: string, purpose: string) => createHmac('sha256', secret).update(`quire:${purpose}`).digest();

export function deriveKeys(secret: string, previousSecret?: string): Keys {
  const derive = (purpose: string) => deriveFrom(secret, purpose);
  return {
    session: createSecretKey(derive('session')),
    csrf: derive('csrf'),
    cookies: derive('cookies').toString('base64url'),
    twoFactor: {
      current: derive('two-factor-secrets'),
      previous: previousSecret ? [deriveFrom(previousSecret, 'two-factor-secrets')] : [],
    },
    pendingSignIn: createSecretKey(derive('pending-sign-in')),
  };
}
