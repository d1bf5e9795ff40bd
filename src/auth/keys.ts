// Independent keys for each use, derived from the one JWT_SECRET, so that a token of one kind can never
// stand in for another (a CSRF token is not a cookie signature is not a session).
import { createHmac } from 'node:crypto';

export interface Keys {
  session: Buffer;
  csrf: Buffer;
  cookies: string;
  /** AES-256-GCM key of stored TOTP secrets and of enrolment forms (two-factor.ts). */
  twoFactor: Buffer;
  /** Signs the short-lived "password checked, second step pending" cookie (not a session). */
  pendingSignIn: Buffer;
}

export function deriveKeys(secret: string): Keys {
  const derive = (purpose: string) => createHmac('sha256', secret).update(`quire:${purpose}`).digest();
  return {
    session: derive('session'),
    csrf: derive('csrf'),
    cookies: derive('cookies').toString('base64url'),
    twoFactor: derive('two-factor-secrets'),
    pendingSignIn: derive('pending-sign-in'),
  };
}
