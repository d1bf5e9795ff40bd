// One's own account: the profile (display name, bio, email), the password, the avatar, and ending every
// other session, each change audited. Plain values in and out; account.router.ts handles HTTP.
import { randomBytes } from 'node:crypto';
import mongoose from 'mongoose';
import { recordAudit, type AuditContext } from '../site/audit.service.js';
import { isDuplicateKey } from '../db/duplicate-key.js';
import { hashPassword, normalizePassword, verifyPassword } from './password.js';
import { passwordProblems } from './password-policy.js';
import { Invalid, NotFound, invalidField } from '../http/errors.js';
import { processAvatar } from '../media/image-pipeline.js';
import type { Storage } from '../media/storage.js';
import { avatarUrl } from './avatar.js';
import { LOOK_ALIKE_MESSAGE, lookAlikeOf } from './look-alike.js';
import { User } from './user.model.js';

export interface Profile {
  username: string;
  email: string;
  displayName: string;
  bio: string;
  avatarUrl: string;
  hasAvatar: boolean;
  /** The IANA zone the user chose, or null (pages use the site's zone, UTC). */
  timeZone: string | null;
}

/** Display names and usernames of these users, keyed by id (ids of no user are absent). */
export async function namesByIds(ids: string[]): Promise<Map<string, { displayName: string; username: string }>> {
  const valid = ids.filter((id) => mongoose.isValidObjectId(id));
  if (valid.length === 0) return new Map();
  const users = await User.find({ _id: mongoose.trusted({ $in: valid }) }, 'displayName username').lean();
  return new Map(users.map((u) => [String(u._id), { displayName: u.displayName, username: u.username }]));
}

export async function getProfile(userId: string): Promise<Profile> {
  const user = await User.findById(userId, 'username email displayName bio avatarKey timeZone').lean();
  if (!user) throw new NotFound();
  return {
    username: user.username,
    email: user.email,
    displayName: user.displayName,
    bio: user.bio ?? '',
    avatarUrl: avatarUrl(user.avatarKey),
    hasAvatar: Boolean(user.avatarKey),
    timeZone: user.timeZone ?? null,
  };
}

/** Sets the zone the user reads and schedules in (a canonical IANA name, checked at the edge). */
export async function setTimeZone(userId: string, timeZone: string): Promise<void> {
  const result = await User.updateOne({ _id: userId }, { $set: { timeZone } }, { runValidators: true });
  if (result.matchedCount === 0) throw new NotFound();
}

export interface ProfileChanges {
  displayName: string;
  bio: string;
  email: string;
}

const EMAIL_TAKEN = 'An account with that email address already exists.';

/**
 * Saves display name, bio and email. A display name that looks like another member's name or username is
 * refused (look-alike.ts); a name the user already has is kept even so. What changed is audited: email
 * and display name with their old and new values (a hijacked account's email change is the first thing to
 * look for), the bio only as "changed".
 */
export async function updateProfile(userId: string, changes: ProfileChanges, audit: AuditContext): Promise<void> {
  const before = await User.findById(userId, 'username email displayName bio').lean();
  if (!before) throw new NotFound();
  if (changes.displayName !== before.displayName && (await lookAlikeOf(changes.displayName, userId))) {
    throw invalidField('displayName', LOOK_ALIKE_MESSAGE);
  }
  const taken = await User.exists({ email: changes.email, _id: mongoose.trusted({ $ne: new mongoose.Types.ObjectId(userId) }) });
  if (taken) throw invalidField('email', EMAIL_TAKEN);
  try {
    // A new address is not proven by the old one's verification (auth/email-verification.service.ts).
    const unverify = changes.email !== before.email ? { $unset: { emailVerifiedAt: 1 } } : {};
    const result = await User.updateOne({ _id: userId }, { $set: changes, ...unverify }, { runValidators: true });
    if (result.matchedCount === 0) throw new NotFound();
  } catch (err) {
    // Email is the only unique field this update can clash on.
    if (isDuplicateKey(err)) throw invalidField('email', EMAIL_TAKEN);
    throw err;
  }
  const detail = [
    changes.displayName !== before.displayName ? `display name: “${before.displayName}” → “${changes.displayName}”` : null,
    changes.email !== before.email ? `email: ${before.email} → ${changes.email}` : null,
    changes.bio !== (before.bio ?? '') ? 'bio changed' : null,
  ].filter(Boolean);
  if (detail.length > 0) {
    await recordAudit({ ...audit, action: 'user.profile', target: { type: 'user', id: userId, label: before.username }, detail: detail.join('; ') });
  }
}

/**
 * Changes the password after checking the current one, and ends every other session (the version in
 * their tokens no longer matches). Returns the new token version, for this browser's new cookie.
 */
export async function changePassword(userId: string, current: string, next: string, audit: AuditContext): Promise<number> {
  const user = await User.findById(userId, 'username email displayName passwordHash').lean();
  if (!user) throw new NotFound();
  const { ok } = await verifyPassword(current, user.passwordHash);
  if (!ok) throw invalidField('currentPassword', 'Your current password is incorrect.');
  const problems = passwordProblems(next, user);
  if (problems.length) throw new Invalid({ newPassword: problems });
  // Compared as hashed (NFKC): a fullwidth copy of the current password is the same password.
  if (normalizePassword(next) === normalizePassword(current)) throw invalidField('newPassword', 'The new password must differ from the current one.');

  const passwordHash = await hashPassword(next);
  const updated = await User.findByIdAndUpdate(userId, { $set: { passwordHash, revokedSessions: [] }, $inc: { tokenVersion: 1 } }, { returnDocument: 'after' }).lean();
  if (!updated) throw new NotFound();
  await recordAudit({ ...audit, action: 'user.password', target: { type: 'user', id: userId, label: user.username } });
  return updated.tokenVersion;
}

/**
 * Ends every session of this account; returns the new token version, for this browser's new cookie. The
 * list of individually revoked tokens is emptied: every token on it is of the old version now.
 */
export async function signOutEverywhere(userId: string, audit: AuditContext): Promise<number> {
  const updated = await User.findByIdAndUpdate(userId, { $set: { revokedSessions: [] }, $inc: { tokenVersion: 1 } }, { returnDocument: 'after' }).lean();
  if (!updated) throw new NotFound();
  await recordAudit({ ...audit, action: 'user.signout-everywhere', target: { type: 'user', id: userId, label: updated.username } });
  return updated.tokenVersion;
}

export const AVATAR_SIZE = 480;

/**
 * Replaces the avatar with the uploaded image: judged by its content (415 for anything that is not a
 * whole image, 413 for too many pixels), turned upright, fitted inside 480x480 without enlarging, and
 * re-encoded as WebP without its metadata (sharp keeps none unless asked: no EXIF, no GPS position).
 */
export async function setAvatar(userId: string, upload: Buffer, storage: Storage, audit: AuditContext): Promise<void> {
  const user = await User.findById(userId, 'avatarKey username').lean();
  if (!user) throw new NotFound();
  const webp = await processAvatar(upload, AVATAR_SIZE);

  // A new name for every upload: /uploads is served as immutable, so a replaced file must not reuse a URL.
  // 128 random bits, like library images: the name cannot be guessed from the user's id.
  const key = `avatars/${userId}/${randomBytes(16).toString('hex')}.webp`;
  await storage.put(key, webp, 'image/webp');
  await User.updateOne({ _id: userId }, { $set: { avatarKey: key } });
  if (user.avatarKey) await storage.delete(user.avatarKey);
  await recordAudit({ ...audit, action: 'user.avatar', target: { type: 'user', id: userId, label: user.username }, detail: 'new avatar uploaded' });
}

/** Back to the default avatar. */
export async function removeAvatar(userId: string, storage: Storage, audit: AuditContext): Promise<void> {
  // (FerretDB 1.24 cannot project a findAndModify, so the whole document comes back.)
  const user = await User.findByIdAndUpdate(userId, { $unset: { avatarKey: 1 } }).lean();
  if (!user) throw new NotFound();
  if (user.avatarKey) {
    await storage.delete(user.avatarKey);
    await recordAudit({ ...audit, action: 'user.avatar', target: { type: 'user', id: userId, label: user.username }, detail: 'avatar removed' });
  }
}
