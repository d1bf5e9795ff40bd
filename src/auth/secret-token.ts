// The secret in a link that opens an account (password reset, invitation): 32 random bytes, base64url in
// the URL, and only its SHA-256 in the database, so a copy of the database (a backup, a leaked dump) holds
// no working link. A plain hash is enough: 256 random bits cannot be guessed, so no salt or slow hash.
import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';

/** The shape of a token in a URL: 43 base64url characters. Anything else is not worth a query. */
export const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

export function newSecretToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashSecretToken(token) };
}

export function hashSecretToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** `/…/:token` paths: a token of the right shape, or the link is not worth a query (404 with the route's message). */
export const tokenParams = z.object({ token: z.string().regex(TOKEN_SHAPE) });
