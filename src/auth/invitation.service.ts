// Invitations: an admin invites an email address with a role; the invitee follows the mailed link once,
// within 7 days, chooses a username, display name and password (the same rules as sign-up: password
// policy, look-alike names, unique username), and is signed in. Admins list and revoke them. Every step
// is audited. The link's token is 32 random bytes, stored as its SHA-256 only (secret-token.ts).
import mongoose from 'mongoose';
import { recordAudit, type AuditContext } from '../site/audit.service.js';
import { Conflict, NotFound, invalidField } from '../http/errors.js';
import type { Deliver } from '../mail/deliver.js';
import { User } from '../users/user.model.js';
import { createAccount, type SessionSubject } from './auth.service.js';
import { Invitation } from './invitation.model.js';
import { claimOnce } from './one-time.js';
import type { Role } from '../site/permissions.js';
import { TOKEN_SHAPE, hashSecretToken, newSecretToken } from './secret-token.js';

export const INVITATION_TTL_DAYS = 7;
export const INVALID_INVITATION = 'This invitation link is invalid, has expired, was revoked or was already used. Ask the person who invited you for a new one.';
export const INVITATION_STATUSES = ['pending', 'accepted', 'revoked', 'expired'] as const;
export type InvitationStatus = (typeof INVITATION_STATUSES)[number];

export interface InvitationRow {
  id: string;
  email: string;
  role: Role;
  invitedByName: string;
  createdAt: Date;
  expiresAt: Date;
  status: InvitationStatus;
}

interface InvitationFields {
  acceptedAt?: Date | null | undefined;
  revokedAt?: Date | null | undefined;
  expiresAt: Date;
}

function statusOf(inv: InvitationFields, now = Date.now()): InvitationStatus {
  if (inv.acceptedAt) return 'accepted';
  if (inv.revokedAt) return 'revoked';
  return inv.expiresAt.getTime() <= now ? 'expired' : 'pending';
}

export interface InvitationMailContext {
  siteUrl: string;
  siteTitle: string;
  deliver: Deliver;
}

/**
 * Invites an address that has no account yet. A new invitation to the same address revokes the earlier
 * pending ones, so only the newest link works.
 */
export async function invite(ctx: AuditContext, input: { email: string; role: Role }, mail: InvitationMailContext): Promise<void> {
  if (await User.exists({ email: input.email })) throw invalidField('email', 'An account with that email address already exists.');
  const { token, hash } = newSecretToken();
  const now = new Date();
  await Invitation.updateMany(
    { email: input.email, acceptedAt: null, revokedAt: null, expiresAt: mongoose.trusted({ $gt: now }) },
    { $set: { revokedAt: now } },
  );
  const invitation = await Invitation.create({
    email: input.email,
    role: input.role,
    tokenHash: hash,
    invitedBy: ctx.actor.id,
    invitedByName: ctx.actor.displayName,
    expiresAt: new Date(now.getTime() + INVITATION_TTL_DAYS * 86_400_000),
  });
  await recordAudit({ ...ctx, action: 'invitation.create', target: { type: 'invitation', id: String(invitation._id), label: input.email }, detail: `as ${input.role}` });
  const link = `${mail.siteUrl}/invite/${token}`;
  mail.deliver({
    to: input.email,
    subject: `You are invited to ${mail.siteTitle}`,
    text: [
      'Hello,',
      '',
      `${ctx.actor.displayName} invites you to join ${mail.siteTitle} as ${/^[aeiou]/.test(input.role) ? 'an' : 'a'} ${input.role}.`,
      `To accept, open this link within ${INVITATION_TTL_DAYS} days and choose a username and a password:`,
      '',
      link,
      '',
      'The link works once. If you do not want to join, ignore this message.',
      '',
    ].join('\n'),
    links: [link],
  });
}

export const INVITATIONS_SHOWN = 100;

/** The newest invitations, with their status. */
export async function listInvitations(): Promise<InvitationRow[]> {
  const docs = await Invitation.find({}, 'email role invitedByName createdAt expiresAt acceptedAt revokedAt').sort({ createdAt: -1, _id: -1 }).limit(INVITATIONS_SHOWN).lean();
  const now = Date.now();
  return docs.map((d) => ({
    id: String(d._id),
    email: d.email,
    role: d.role as Role,
    invitedByName: d.invitedByName,
    createdAt: d.createdAt,
    expiresAt: d.expiresAt,
    status: statusOf(d, now),
  }));
}

/** Revokes a pending invitation; its link stops working at once. */
export async function revokeInvitation(ctx: AuditContext, id: string): Promise<{ email: string }> {
  const inv = await Invitation.findById(id).lean();
  if (!inv) throw new NotFound();
  const status = statusOf(inv);
  if (status !== 'pending') throw new Conflict(`The invitation for ${inv.email} is ${status}: there is nothing to revoke.`);
  await Invitation.updateOne({ _id: inv._id }, { $set: { revokedAt: new Date() } });
  await recordAudit({ ...ctx, action: 'invitation.revoke', target: { type: 'invitation', id, label: inv.email } });
  return { email: inv.email };
}

async function pendingInvitation(token: string) {
  if (!TOKEN_SHAPE.test(token)) throw new NotFound(INVALID_INVITATION);
  const inv = await Invitation.findOne({ tokenHash: hashSecretToken(token) }).lean();
  if (!inv || statusOf(inv) !== 'pending') throw new NotFound(INVALID_INVITATION);
  return inv;
}

/** What the invitee's form shows: the address and role they were invited with. */
export async function invitationFor(token: string): Promise<{ email: string; role: Role }> {
  const inv = await pendingInvitation(token);
  return { email: inv.email, role: inv.role as Role };
}

export interface AcceptInput {
  username: string;
  displayName: string;
  password: string;
  /** The browser's zone, from the form's hidden field (user.fields.ts browserTimeZoneField). */
  timeZone?: string | undefined;
}

/**
 * Creates the invited account (sign-up's rules; the email is the invitation's, not the form's) and marks
 * the invitation used. Single use: the account's email is unique, so of two racing acceptances only one
 * creates an account; the claim then makes "accepted" happen once.
 */
export async function acceptInvitation(token: string, input: AcceptInput, ip?: string): Promise<SessionSubject> {
  const inv = await pendingInvitation(token);
  const user = await createAccount({ ...input, email: inv.email, role: inv.role as Role, emailVerified: true });
  if (!(await claimOnce(`invite:${String(inv._id)}`, inv.expiresAt))) throw new NotFound(INVALID_INVITATION);
  const now = new Date();
  await Invitation.updateOne({ _id: inv._id }, { $set: { acceptedAt: now, acceptedUser: user.id } });
  await User.updateOne({ _id: user.id }, { $set: { lastSignInAt: now } });
  await recordAudit({
    actor: { id: user.id, displayName: user.displayName },
    action: 'invitation.accept',
    target: { type: 'user', id: user.id, label: input.username },
    detail: `invited by ${inv.invitedByName} as ${inv.role}`,
    ip,
  });
  return user;
}
