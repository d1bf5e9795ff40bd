// Two-factor sign-in for an account: enrolment (needs the password and a working code), the second step
// of sign-in (a TOTP code, never the same step twice, or a recovery code, once each), turning it off (a
// code or the password), and an admin's reset for a lost device. Every change is audited. Plain values in
// and out; HTTP lives in two-factor.router.ts (and the admin users router for the reset).
import QRCode from 'qrcode';
import { recordAudit, type AuditContext } from '../site/audit.service.js';
import { Conflict, Invalid, NotFound, invalidField } from '../http/errors.js';
import { User } from '../users/user.model.js';
import { claimOnce } from './one-time.js';
import { verifyPassword } from '../users/password.js';
import { hashRecoveryCode, matchTotp, newRecoveryCodes, newTotpSecret, seal, stepExpiry, totpUri, unseal } from './two-factor.js';

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
export async function startEnrolment(userId: string, label: string, issuer: string, key: Buffer, resume?: string): Promise<Enrolment> {
  // A form shown again (a wrong code) keeps the secret the app has already scanned.
  const kept = resume ? enrolmentSecret(resume, userId, key) : undefined;
  const secret = kept ?? newTotpSecret();
  const setup = kept && resume ? resume : seal(`${Date.now()}:${secret}`, key, `enrol:${userId}`);
  const qrDataUrl = await QRCode.toDataURL(totpUri(secret, label, issuer), { errorCorrectionLevel: 'M', margin: 2, width: 220 });
  return { secret, qrDataUrl, setup };
}

function enrolmentSecret(setup: string, userId: string, key: Buffer): string | undefined {
  const plain = unseal(setup, key, `enrol:${userId}`);
  const match = plain ? /^(\d+):([A-Z2-7]+)$/.exec(plain) : null;
  if (!match || Date.now() - Number(match[1]) > ENROLMENT_TTL_MS) return undefined;
  return match[2];
}

/** Turns 2FA on after checking the password and a code of the new secret; returns the recovery codes (shown once). */
export async function enableTwoFactor(
  userId: string,
  input: { setup: string; code: string; password: string },
  key: Buffer,
  audit: AuditContext,
): Promise<string[]> {
  const user = await User.findById(userId, 'username passwordHash totpEnabledAt').lean();
  if (!user) throw new NotFound();
  if (user.totpEnabledAt) throw new Conflict('Two-factor sign-in is already on for your account.');
  const { ok } = await verifyPassword(input.password, user.passwordHash);
  if (!ok) throw invalidField('password', 'Your password is incorrect.');
  const secret = enrolmentSecret(input.setup, userId, key);
  if (!secret) throw new Invalid({}, 'This enrolment form has expired. Scan the new code below and try again.');
  const step = matchTotp(secret, input.code);
  if (step === null || !(await claimOnce(`totp:${userId}:${step}`, stepExpiry(step)))) throw invalidField('code', WRONG_CODE);

  const codes = newRecoveryCodes();
  await User.updateOne(
    { _id: userId },
    { $set: { totpSecret: seal(secret, key, `totp:${userId}`), totpEnabledAt: new Date(), recoveryCodeHashes: codes.map(hashRecoveryCode) } },
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
export async function checkSecondFactor(userId: string, code: string, key: Buffer): Promise<SecondFactor | null> {
  const user = await User.findById(userId, 'totpSecret totpEnabledAt recoveryCodeHashes').lean();
  if (!user?.totpEnabledAt || !user.totpSecret) return null;
  const typed = code.replace(/\s+/g, '');
  if (/^\d{6}$/.test(typed)) {
    const secret = unseal(user.totpSecret, key, `totp:${userId}`);
    const step = secret ? matchTotp(secret, typed) : null;
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
export async function disableTwoFactor(userId: string, input: { code: string; password: string }, key: Buffer, audit: AuditContext): Promise<void> {
  const user = await User.findById(userId, 'username passwordHash totpEnabledAt').lean();
  if (!user) throw new NotFound();
  if (!user.totpEnabledAt) return;
  let proven = false;
  if (input.code) proven = (await checkSecondFactor(userId, input.code, key)) !== null;
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
