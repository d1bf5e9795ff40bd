// The pieces of two-factor sign-in: TOTP (RFC 6238, what authenticator apps speak) through otpauth,
// recovery codes, and the encryption of stored secrets.
//
// - The TOTP secret is stored encrypted (AES-256-GCM, a key derived from JWT_SECRET, the account id as
//   associated data, so a ciphertext copied to another account does not decrypt), and is shown only
//   during enrolment. Limit: whoever has JWT_SECRET and the database can decrypt it. Rotating JWT_SECRET
//   keeps them readable only with the old value in JWT_SECRET_PREVIOUS (keys.ts); without it, those
//   accounts sign in with a recovery code or an admin resets their 2FA.
// - Recovery codes: 10 of 50 random bits each, shown once; only their SHA-256 is stored (50 bits cannot
//   be guessed online, and the attempt limits stop trying).
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import type { KeyRing } from './keys.js';

const PERIOD_SECONDS = 30;
/** Codes of the step before and after are accepted too: phones' clocks drift. */
const WINDOW = 1;
export const RECOVERY_CODE_COUNT = 10;

export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

function totp(secretBase32: string, label = 'account', issuer = 'Quire'): TOTP {
  return new TOTP({ issuer, label, algorithm: 'SHA1', digits: 6, period: PERIOD_SECONDS, secret: Secret.fromBase32(secretBase32) });
}

/** The otpauth:// address an authenticator app reads from the QR code. */
export function totpUri(secretBase32: string, label: string, issuer: string): string {
  return totp(secretBase32, label, issuer).toString();
}

/** The time step a 6-digit code matches (for replay checks), or null. */
export function matchTotp(secretBase32: string, code: string, now = Date.now()): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const delta = totp(secretBase32).validate({ token: code, timestamp: now, window: WINDOW });
  return delta === null ? null : Math.floor(now / 1000 / PERIOD_SECONDS) + delta;
}

/** When a claim on a matched step may be forgotten: after the window has passed. */
export function stepExpiry(step: number): Date {
  return new Date((step + WINDOW + 2) * PERIOD_SECONDS * 1000);
}

const RECOVERY_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';

/** Ten codes like `k7m2q-x9tpa` (no 0/o, 1/l/i to misread). */
export function newRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, () => {
    const bytes = randomBytes(10);
    const chars = [...bytes].map((b) => RECOVERY_ALPHABET[b % RECOVERY_ALPHABET.length]).join('');
    return `${chars.slice(0, 5)}-${chars.slice(5)}`;
  });
}

/** As typed: case, spaces and dashes do not matter. */
export function hashRecoveryCode(code: string): string {
  return createHash('sha256').update(code.toLowerCase().replace(/[^a-z0-9]/g, '')).digest('hex');
}

/** AES-256-GCM of a text, bound to `context` (an account id, a purpose): `iv.tag.ciphertext`, base64url. */
export function seal(plain: string, key: Buffer, context: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(context));
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return [iv, cipher.getAuthTag(), body].map((b) => b.toString('base64url')).join('.');
}

/** The text sealed with this key and context, or undefined for anything else (tampered, other account). */
export function unseal(sealed: string, key: Buffer, context: string): string | undefined {
  const parts = sealed.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const [iv, tag, body] = parts.map((p) => Buffer.from(p, 'base64url')) as [Buffer, Buffer, Buffer];
    // A full 16-byte tag only: GCM would otherwise accept a truncated one, which is easier to forge.
    if (tag.length !== 16 || iv.length !== 12) return undefined;
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: 16 });
    decipher.setAAD(Buffer.from(context));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
  } catch {
    return undefined;
  }
}

/** What a key of the ring opened, and whether it was an old one (the text should be sealed again). */
export function unsealWithRing(sealed: string, ring: KeyRing, context: string): { plain: string; stale: boolean } | undefined {
  const plain = unseal(sealed, ring.current, context);
  if (plain !== undefined) return { plain, stale: false };
  for (const key of ring.previous) {
    const old = unseal(sealed, key, context);
    if (old !== undefined) return { plain: old, stale: true };
  }
  return undefined;
}
