// Two-factor sign-in for an account: enrolment (needs the password and a working code), the second step
// of sign-in (a TOTP code, never the same step twice, or a recovery code, once each), turning it off (a
// code or the password), and an admin's reset for a lost device. Every change is audited. Plain values in
// and out; HTTP lives in two-factor.router.ts (and the admin users router for the reset).
import mongoose from 'mongoose';
import QRCode from 'qrcode';
import { recordAudit, type AuditContext } from '../site/audit.service.js';
import { Conflict, Invalid, NotFound, invalidField } from '../http/errors.js';
import { User } from '../users/user.model.js';
import { claimOnce } from './one-time.js';
import { verifyPassword } from '../users/password.js';
import type { KeyRing } from './keys.js';
import { hashRecoveryCode, matchTotp, newRecoveryCodes, newTotpSecret, seal, stepExpiry, totpUri, unsealWithRing } from './two-factor.js';

/** How long an enrolment form (its secret travels sealed in the form) stays usable. */
const ENROLMENT_TTL_MS = 30 * 60_000;
const WRONG_CODE = 'That code is not right. Check the time on your phone and try the newest code.';

export interface TwoFactorStatus {
  enabled: boolean;
  enabledAt: Date | null;
  recoveryCodesLeft: number;
}

export async function twoFactorStatus(userId: string): Promise<TwoFactorStatus> {
  const user = await User.findById(userId, 'totpEnabledAt recoveryCodeHashes').lean();
  if (!user) throw new NotFound();
  return { enabled: Boolean(user.totpEnabledAt), enabledAt: user.totpEnabledAt ?? null, recoveryCodesLeft: user.recoveryCodeHashes?.length ?? 0 };
}

export interface Enrolment {
  /** The secret, for typing into an app by hand. */
  secret: string;
  /** A PNG data: URL of the otpauth:// address (the CSP allows data: images). */
  qrDataUrl: string;
  /** The secret sealed for this account and this half hour: the form sends it back. */
  setup: string;
}

/**
 * A new secret to enrol with. Nothing is stored until a code from it is confirmed: the secret travels in
 * the form, sealed (encrypted and authenticated) for this account with its time of issue.
 */
export async function startEnrolment(userId: string, label: string, issuer: string, keys: KeyRing, resume?: string): Promise<Enrolment> {
  // A form shown again (a wrong code) keeps the secret the app has already scanned.
  const kept = resume ? enrolmentSecret(resume, userId, keys) : undefined;
  const secret = kept ?? newTotpSecret();
  const setup = kept && resume ? resume : seal(`${Date.now()}:${secret}`, keys.current, `enrol:${userId}`);
  const qrDataUrl = await QRCode.toDataURL(totpUri(secret, label, issuer), { errorCorrectionLevel: 'M', margin: 2, width: 220 });
  return { secret, qrDataUrl, setup };
}

function enrolmentSecret(setup: string, userId: string, keys: KeyRing): string | undefined {
  const plain = unsealWithRing(setup, keys, `enrol:${userId}`)?.plain;
  const match = plain ? /^(\d+):([A-Z2-7]+)$/.exec(plain) : null;
  if (!match || Date.now() - Number(match[1]) > ENROLMENT_TTL_MS) return undefined;
  return match[2];
}

/** Turns 2FA on after checking the password and a code of the new secret; returns the recovery codes (shown once). */
export async function enableTwoFactor(
  userId: string,
  input: { setup: string; code: string; password: string },
  keys: KeyRing,
  audit: AuditContext,
): Promise<string[]> {
  const user = await User.findById(userId, 'username passwordHash totpEnabledAt').lean();
  if (!user) throw new NotFound();
  if (user.totpEnabledAt) throw new Conflict('Two-factor sign-in is already on for your account.');
  const { ok } = await verifyPassword(input.password, user.passwordHash);
  if (!ok) throw invalidField('password', 'Your password is incorrect.');
  const secret = enrolmentSecret(input.setup, userId, keys);
  if (!secret) throw new Invalid({}, 'This enrolment form has expired. Scan the new code below and try again.');
  const step = matchTotp(secret, input.code);
  if (step === null || !(await claimOnce(`totp:${userId}:${step}`, stepExpiry(step)))) throw invalidField('code', WRONG_CODE);

  const codes = newRecoveryCodes();
  await User.updateOne(
    { _id: userId },
    { $set: { totpSecret: seal(secret, keys.current, `totp:${userId}`), totpEnabledAt: new Date(), recoveryCodeHashes: codes.map(hashRecoveryCode) } },
  );
  await recordAudit({ ...audit, action: 'user.2fa-enable', target: { type: 'user', id: userId, label: user.username } });
  return codes;
}

export type SecondFactor = 'totp' | 'recovery';

/**
 * Checks a second factor: a 6-digit code of the account's secret, accepted once per time step (a code
 * seen over a shoulder or replayed from a log is refused in its own step), or an unused recovery code,
 * which is then spent. Both are spent through one-time claims, so racing requests cannot use one twice.
 */
export async function checkSecondFactor(userId: string, code: string, keys: KeyRing): Promise<SecondFactor | null> {
  const user = await User.findById(userId, 'totpSecret totpEnabledAt recoveryCodeHashes').lean();
  if (!user?.totpEnabledAt || !user.totpSecret) return null;
  const typed = code.replace(/\s+/g, '');
  if (/^\d{6}$/.test(typed)) {
    const opened = unsealWithRing(user.totpSecret, keys, `totp:${userId}`);
    if (opened?.stale) await resealSecret(userId, user.totpSecret, opened.plain, keys);
    const step = opened ? matchTotp(opened.plain, typed) : null;
    if (step === null) return null;
    return (await claimOnce(`totp:${userId}:${step}`, stepExpiry(step))) ? 'totp' : null;
  }
  const hash = hashRecoveryCode(typed);
  if (!(user.recoveryCodeHashes ?? []).includes(hash)) return null;
  // Claims of recovery codes are kept for a year: long after the code was removed from the account.
  if (!(await claimOnce(`recovery:${userId}:${hash}`, new Date(Date.now() + 365 * 86_400_000)))) return null;
  await User.updateOne({ _id: userId }, { $pull: { recoveryCodeHashes: hash } });
  return 'recovery';
}

/** Turns 2FA off: with a current code (or recovery code), or with the password. */
export async function disableTwoFactor(userId: string, input: { code: string; password: string }, keys: KeyRing, audit: AuditContext): Promise<void> {
  const user = await User.findById(userId, 'username passwordHash totpEnabledAt').lean();
  if (!user) throw new NotFound();
  if (!user.totpEnabledAt) return;
  let proven = false;
  if (input.code) proven = (await checkSecondFactor(userId, input.code, keys)) !== null;
  if (!proven && input.password) proven = (await verifyPassword(input.password, user.passwordHash)).ok;
  if (!proven) throw new Invalid({ code: ['Enter a current code, a recovery code or your password.'] }, 'That code or password is not right.');
  await clearTwoFactor(userId);
  await recordAudit({ ...audit, action: 'user.2fa-disable', target: { type: 'user', id: userId, label: user.username } });
}

function clearTwoFactor(userId: string) {
  return User.updateOne({ _id: userId }, { $unset: { totpSecret: 1, totpEnabledAt: 1, recoveryCodeHashes: 1 } });
}

/**
 * An admin turns off someone else's 2FA (a lost phone and no recovery codes). They sign in with their
 * password alone until they enrol again (at once, if the site requires 2FA for their role).
 */
export async function resetTwoFactor(ctx: AuditContext, targetId: string): Promise<{ user: string; changed: boolean }> {
  if (targetId === ctx.actor.id) throw new Conflict('Turn your own two-factor sign-in off on your account page.');
  const user = await User.findById(targetId, 'username displayName totpEnabledAt').lean();
  if (!user) throw new NotFound();
  if (!user.totpEnabledAt) return { user: user.displayName, changed: false };
  await clearTwoFactor(targetId);
  await recordAudit({ ...ctx, action: 'user.2fa-reset', target: { type: 'user', id: targetId, label: user.username }, detail: 'two-factor sign-in turned off by an admin' });
  return { user: user.displayName, changed: true };
}

// Only if it is still the ciphertext that was read: a 2FA reset or a new enrolment meanwhile wins.
async function resealSecret(userId: string, was: string, secret: string, keys: KeyRing): Promise<boolean> {
  const result = await User.updateOne({ _id: userId, totpSecret: was }, { $set: { totpSecret: seal(secret, keys.current, `totp:${userId}`) } });
  return result.modifiedCount === 1;
}

/**
 * After a rotation (JWT_SECRET_PREVIOUS set): every stored TOTP secret sealed under an old key is sealed
 * under the current one. Returns how many were, and how many no key of the ring opens (sealed under a
 * secret older still: those accounts need a recovery code or an admin's reset).
 */
export async function resealTwoFactorSecrets(keys: KeyRing): Promise<{ resealed: number; unreadable: number }> {
  let resealed = 0;
  let unreadable = 0;
  if (keys.previous.length === 0) return { resealed, unreadable };
  // Staff accounts with 2FA: a handful, read at once.
  const users = await User.find({ totpSecret: mongoose.trusted({ $exists: true }) }, 'totpSecret').lean();
  for (const user of users) {
    const id = String(user._id);
    const opened = unsealWithRing(user.totpSecret!, keys, `totp:${id}`);
    if (!opened) unreadable++;
    else if (opened.stale && (await resealSecret(id, user.totpSecret!, opened.plain, keys))) resealed++;
  }
  return { resealed, unreadable };
}
