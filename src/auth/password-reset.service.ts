// Password reset by email, after Django's and Ghost's flows. Plain values in and out; HTTP lives in
// password-reset.router.ts.
//
// - The request never tells whether an account has the address: the router answers the same page either
//   way, and this function does the same work before it returns (a lookup and a new token) whether or not
//   the account exists; the mail itself is sent after the answer (mail/deliver.ts).
// - The link's token is 32 random bytes; only its SHA-256 is stored (secret-token.ts). It works for 30
//   minutes, once (one-time.ts), and only while the password is the one it was issued for: using any link,
//   or changing the password on the account page, voids every other link of the account.
// - Completing it applies the password rules, ends every session (token version) and is audited.
import { createHash } from 'node:crypto';
import { recordAudit } from '../site/audit.service.js';
import { Invalid, NotFound } from '../http/errors.js';
import type { Deliver } from '../mail/deliver.js';
import { User } from '../users/user.model.js';
import { OneTimeClaim } from './one-time.model.js';
import { claimOnce, expiredLinksPruner } from './one-time.js';
import { hashPassword } from '../users/password.js';
import { passwordProblems } from '../users/password-policy.js';
import { PasswordReset } from './password-reset.model.js';
import { TOKEN_SHAPE, hashSecretToken, newSecretToken } from './secret-token.js';

export const RESET_TTL_MINUTES = 30;
export const INVALID_RESET_LINK = 'This password reset link is invalid, has expired or was already used. You can ask for a new one.';

/** A digest of the stored password hash: it changes whenever the password does. */
function passwordStamp(passwordHash: string): string {
  return createHash('sha256').update(passwordHash).digest('hex').slice(0, 32);
}

export interface ResetMailContext {
  siteUrl: string;
  siteTitle: string;
  deliver: Deliver;
}

/** Issues a link for the active account with this (normalized) email, if there is one, and mails it. */
export async function requestPasswordReset(email: string, ctx: ResetMailContext): Promise<void> {
  // Made before the lookup, for every address alike: the same work whether or not the account exists.
  const { token, hash } = newSecretToken();
  const user = await User.findOne({ email }, 'username displayName passwordHash status').lean();
  if (!user || user.status !== 'active') return;
  const expiresAt = new Date(Date.now() + RESET_TTL_MINUTES * 60_000);
  await PasswordReset.create({ user: user._id, tokenHash: hash, passwordStamp: passwordStamp(user.passwordHash), expiresAt });
  pruneExpired();
  const link = `${ctx.siteUrl}/password/reset/${token}`;
  ctx.deliver({
    to: email,
    subject: `Reset your password on ${ctx.siteTitle}`,
    text: [
      `Hello ${user.displayName},`,
      '',
      `Someone (we hope you) asked to reset the password of the account @${user.username} on ${ctx.siteTitle}.`,
      `To choose a new password, open this link within ${RESET_TTL_MINUTES} minutes:`,
      '',
      link,
      '',
      'The link works once. If you did not ask for it, ignore this message: your password stays as it is.',
      '',
    ].join('\n'),
    links: [link],
  });
}

export interface ResetTarget {
  username: string;
}

async function findValidReset(token: string) {
  if (!TOKEN_SHAPE.test(token)) return null;
  const hash = hashSecretToken(token);
  const reset = await PasswordReset.findOne({ tokenHash: hash }).lean();
  if (!reset || reset.expiresAt.getTime() <= Date.now()) return null;
  const user = await User.findById(reset.user, 'username email displayName passwordHash status').lean();
  if (!user || user.status !== 'active' || passwordStamp(user.passwordHash) !== reset.passwordStamp) return null;
  if (await OneTimeClaim.exists({ _id: `reset:${hash}` })) return null;
  return { reset, user, hash };
}

/** Whom a link resets, or NotFound when it is not (or no longer) valid. */
export async function resetTarget(token: string): Promise<ResetTarget> {
  const found = await findValidReset(token);
  if (!found) throw new NotFound(INVALID_RESET_LINK);
  return { username: found.user.username };
}

/**
 * Sets the new password through the password rules, once: of several requests racing with one link,
 * exactly one passes the claim. Every session of the account ends, every other link of it dies.
 */
export async function completePasswordReset(token: string, password: string, ip?: string): Promise<void> {
  const found = await findValidReset(token);
  if (!found) throw new NotFound(INVALID_RESET_LINK);
  const { reset, user, hash } = found;
  const problems = passwordProblems(password, user);
  if (problems.length) throw new Invalid({ password: problems });
  const passwordHash = await hashPassword(password);
  if (!(await claimOnce(`reset:${hash}`, reset.expiresAt))) throw new NotFound(INVALID_RESET_LINK);
  await User.updateOne({ _id: user._id }, { $set: { passwordHash, revokedSessions: [] }, $inc: { tokenVersion: 1 } });
  await PasswordReset.deleteMany({ user: user._id });
  await recordAudit({
    actor: { id: String(user._id), displayName: user.displayName },
    action: 'user.password-reset',
    target: { type: 'user', id: String(user._id), label: user.username },
    detail: 'password set from an emailed link; every session signed out',
    ip,
  });
}

// Expired links are deleted now and then (by whichever request comes first), with expired claims.
const pruneExpired = expiredLinksPruner(PasswordReset);
