// Email verification for self sign-up (the setting verifyEmailOnSignup). Plain values in and out; HTTP lives
// in email-verification.router.ts.
//
// - The link's token is 32 random bytes; only its SHA-256 is stored (secret-token.ts). It works for
//   VERIFY_TTL_HOURS, once (one-time.ts: racing requests with one link cannot both pass), and only while
//   the account still has the address it was mailed to.
// - Only readers are held back: staff accounts are made or promoted by an admin, and accounts made by setup,
//   an invitation, create-admin or the seed count as verified from the start (createAccount).
import { NotFound } from '../http/errors.js';
import type { Deliver } from '../mail/deliver.js';
import { recordAudit } from '../site/audit.service.js';
import type { CurrentUser } from '../site/permissions.js';
import { getSettings } from '../site/settings.service.js';
import { User } from '../users/user.model.js';
import { EmailVerification } from './email-verification.model.js';
import { OneTimeClaim } from './one-time.model.js';
import { claimOnce, expiredLinksPruner } from './one-time.js';
import { TOKEN_SHAPE, hashSecretToken, newSecretToken } from './secret-token.js';

export const VERIFY_TTL_HOURS = 48;
export const INVALID_VERIFY_LINK = 'This verification link is invalid, has expired or was already used. Sign in and ask for a new one from any comment form.';
export const VERIFY_TO_COMMENT = 'Please confirm your email address before commenting: open the link we mailed you.';

/** Whether this signed-in user must still verify their address before commenting (a reader, setting on). */
export async function mustVerifyEmail(user: Pick<CurrentUser, 'role' | 'emailVerified'> | null): Promise<boolean> {
  if (!user || user.role !== 'reader' || user.emailVerified) return false;
  return (await getSettings()).verifyEmailOnSignup;
}

export interface VerifyMailContext {
  siteUrl: string;
  siteTitle: string;
  deliver: Deliver;
}

/** Issues a link for the account's current address and mails it (nothing when it is verified already). */
export async function sendVerificationMail(userId: string, ctx: VerifyMailContext): Promise<void> {
  const user = await User.findById(userId, 'email displayName username emailVerifiedAt status').lean();
  if (!user || user.status !== 'active' || user.emailVerifiedAt) return;
  const { token, hash } = newSecretToken();
  const expiresAt = new Date(Date.now() + VERIFY_TTL_HOURS * 3_600_000);
  await EmailVerification.create({ user: user._id, tokenHash: hash, email: user.email, expiresAt });
  pruneExpired();
  const link = `${ctx.siteUrl}/verify-email/${token}`;
  ctx.deliver({
    to: user.email,
    subject: `Confirm your email address on ${ctx.siteTitle}`,
    text: [
      `Hello ${user.displayName},`,
      '',
      `To confirm that this address belongs to the account @${user.username} on ${ctx.siteTitle}, open this link within ${VERIFY_TTL_HOURS} hours:`,
      '',
      link,
      '',
      'The link works once. If you did not sign up, ignore this message.',
      '',
    ].join('\n'),
    links: [link],
  });
}

async function findValidVerification(token: string) {
  if (!TOKEN_SHAPE.test(token)) return null;
  const hash = hashSecretToken(token);
  const found = await EmailVerification.findOne({ tokenHash: hash }).lean();
  if (!found || found.expiresAt.getTime() <= Date.now()) return null;
  const user = await User.findById(found.user, 'username email displayName status').lean();
  // A link for an address the account no longer has proves nothing about the current one.
  if (!user || user.status !== 'active' || user.email !== found.email) return null;
  if (await OneTimeClaim.exists({ _id: `verify:${hash}` })) return null;
  return { found, user, hash };
}

/** Whose address a link confirms, or NotFound when it is not (or no longer) valid. */
export async function verificationTarget(token: string): Promise<{ username: string; email: string }> {
  const valid = await findValidVerification(token);
  if (!valid) throw new NotFound(INVALID_VERIFY_LINK);
  return { username: valid.user.username, email: valid.user.email };
}

/** Marks the address verified, once per link; every other link of the account dies. Audited. */
export async function completeEmailVerification(token: string, ip?: string): Promise<void> {
  const valid = await findValidVerification(token);
  if (!valid) throw new NotFound(INVALID_VERIFY_LINK);
  const { found, user, hash } = valid;
  if (!(await claimOnce(`verify:${hash}`, found.expiresAt))) throw new NotFound(INVALID_VERIFY_LINK);
  await User.updateOne({ _id: user._id }, { $set: { emailVerifiedAt: new Date() } });
  await EmailVerification.deleteMany({ user: user._id });
  await recordAudit({
    actor: { id: String(user._id), displayName: user.displayName },
    action: 'user.email-verified',
    target: { type: 'user', id: String(user._id), label: user.username },
    detail: 'email address confirmed from an emailed link',
    ip,
  });
}

// Expired links are deleted now and then (by whichever request comes first), with expired claims.
const pruneExpired = expiredLinksPruner(EmailVerification);
