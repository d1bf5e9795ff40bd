// User administration: the list with search and filters, role and status changes, signing a user out
// everywhere, and deletion. Every change is audited. The last-admin rules live here, so any caller (the
// admin pages, a CLI) keeps at least one active admin: a check first for a clear message, then a re-count
// after the write that undoes it if two admins acted on each other at the same moment.
import mongoose from 'mongoose';
import { ROLES, atLeast, type Role } from '../site/permissions.js';
import { detachCommentsOf } from '../comments/comment-lifecycle.js';
import { Conflict, NotFound, invalidField } from '../http/errors.js';
import { plural } from '../http/format.js';
import type { Storage } from '../media/storage.js';
import { avatarUrl } from '../users/avatar.js';
import { User, type UserStatus } from '../users/user.model.js';
import { recordAudit, type AuditContext } from '../site/audit.service.js';
import type { ActingContext } from '../site/audit.service.js';
import { contentCountsOf, deleteContentOf, reassignContent } from './content.service.js';
import { literalPattern } from '../db/literal-pattern.js';
import { pageWindow } from '../db/page-window.js';

export const USERS_PAGE_SIZE = 25;

export interface UserListQuery {
  q?: string | undefined;
  role?: Role | undefined;
  status?: UserStatus | undefined;
  page: number;
}

export interface AdminUserRow {
  id: string;
  username: string;
  displayName: string;
  email: string;
  role: Role;
  status: UserStatus;
  avatarUrl: string;
  createdAt: Date;
  lastSignInAt: Date | null;
  twoFactor: boolean;
}

export interface UserList {
  users: AdminUserRow[];
  total: number;
  page: number;
  pages: number;
}


export async function listUsers(query: UserListQuery): Promise<UserList> {
  const filter: Record<string, unknown> = {};
  if (query.role) filter.role = query.role;
  if (query.status) filter.status = query.status;
  if (query.q) {
    const pattern = literalPattern(query.q);
    filter.$or = [{ username: pattern }, { displayName: pattern }, { email: pattern }];
  }
  const total = await User.countDocuments(filter);
  const { page, pages, skip } = pageWindow(total, query.page, USERS_PAGE_SIZE);
  const docs = await User.find(filter, 'username displayName email role status avatarKey createdAt lastSignInAt totpEnabledAt')
    .sort({ createdAt: -1, _id: -1 })
    .skip(skip)
    .limit(USERS_PAGE_SIZE)
    .lean();
  return {
    users: docs.map((u) => ({
      id: String(u._id),
      username: u.username,
      displayName: u.displayName,
      email: u.email,
      role: u.role as Role,
      status: u.status as UserStatus,
      avatarUrl: avatarUrl(u.avatarKey),
      createdAt: u.createdAt,
      lastSignInAt: u.lastSignInAt ?? null,
      twoFactor: Boolean(u.totpEnabledAt),
    })),
    total,
    page,
    pages,
  };
}

interface Target {
  _id: mongoose.Types.ObjectId;
  username: string;
  displayName: string;
  role: Role;
  status: UserStatus;
  avatarKey?: string | null | undefined;
}

async function findTarget(id: string): Promise<Target> {
  const doc = mongoose.isValidObjectId(id)
    ? await User.findById(id, 'username displayName role status avatarKey').lean()
    : null;
  if (!doc) throw new NotFound('There is no such user.');
  return { ...doc, role: doc.role as Role, status: doc.status as UserStatus };
}

const label = (u: Pick<Target, 'displayName' | 'username'>) => `${u.displayName} (@${u.username})`;

function refuseSelf(ctx: AuditContext, target: Target, what: string): void {
  if (String(target._id) === ctx.actor.id) throw new Conflict(`You cannot ${what} your own account. Ask another admin.`);
}

const LAST_ADMIN = 'Quire needs at least one active admin: make someone else an admin first.';

const isActiveAdmin = (u: Pick<Target, 'role' | 'status'>) => u.role === 'admin' && u.status === 'active';
const activeAdmins = () => User.countDocuments({ role: 'admin', status: 'active' });

/**
 * Runs a change that takes an active admin away. Refuses up front when the target is the last one; after
 * the write, counts again and undoes it if a concurrent change left nobody (both may then be refused,
 * never both applied).
 */
async function keepingAnAdmin(target: Target, change: () => Promise<unknown>, undo: () => Promise<unknown>): Promise<void> {
  if (!isActiveAdmin(target)) {
    await change();
    return;
  }
  if ((await activeAdmins()) <= 1) throw new Conflict(LAST_ADMIN);
  await change();
  if ((await activeAdmins()) === 0) {
    await undo();
    throw new Conflict(LAST_ADMIN);
  }
}

export interface UserChange {
  user: string;
  changed: boolean;
}

export async function changeRole(ctx: AuditContext, userId: string, role: Role): Promise<UserChange> {
  const target = await findTarget(userId);
  refuseSelf(ctx, target, 'change the role of');
  if (!ROLES.includes(role)) throw invalidField('role', 'Choose a role.');
  if (target.role === role) return { user: label(target), changed: false };
  const apply = () => User.updateOne({ _id: target._id }, { $set: { role } });
  const undo = () => User.updateOne({ _id: target._id, role }, { $set: { role: target.role } });
  if (role === 'admin') await apply();
  else await keepingAnAdmin(target, apply, undo);
  await recordAudit({
    actor: ctx.actor,
    action: 'user.role',
    target: { type: 'user', id: String(target._id), label: label(target) },
    detail: `${target.role} -> ${role}`,
    ip: ctx.ip,
  });
  return { user: label(target), changed: true };
}

/**
 * Suspending ends the user's sessions at once: loadUser refuses non-active users and tokens issued
 * before the tokenVersion bump. Reactivating does not bring old sessions back.
 */
export async function setStatus(ctx: AuditContext, userId: string, status: UserStatus): Promise<UserChange> {
  const target = await findTarget(userId);
  if (target.status === status) return { user: label(target), changed: false };
  if (status === 'suspended') {
    refuseSelf(ctx, target, 'suspend');
    await keepingAnAdmin(
      target,
      () => User.updateOne({ _id: target._id }, { $set: { status: 'suspended' }, $inc: { tokenVersion: 1 } }),
      () => User.updateOne({ _id: target._id }, { $set: { status: 'active' } }),
    );
  } else {
    await User.updateOne({ _id: target._id }, { $set: { status: 'active' } });
  }
  await recordAudit({
    actor: ctx.actor,
    action: status === 'suspended' ? 'user.suspend' : 'user.reactivate',
    target: { type: 'user', id: String(target._id), label: label(target) },
    detail: `${target.status} -> ${status}`,
    ip: ctx.ip,
  });
  return { user: label(target), changed: true };
}

/** Ends every session of the user (on every device) by bumping tokenVersion. */
export async function signOutEverywhere(ctx: AuditContext, userId: string): Promise<UserChange> {
  const target = await findTarget(userId);
  await User.updateOne({ _id: target._id }, { $inc: { tokenVersion: 1 } });
  await recordAudit({
    actor: ctx.actor,
    action: 'user.signout',
    target: { type: 'user', id: String(target._id), label: label(target) },
    detail: 'signed out everywhere',
    ip: ctx.ip,
  });
  return { user: label(target), changed: true };
}

export interface DeletionSummary {
  user: { id: string; label: string; role: Role; status: UserStatus };
  posts: number;
  media: number;
  /** Who may receive the user's posts and media: active authors, editors and admins. */
  heirs: { id: string; label: string; role: Role }[];
  isSelf: boolean;
  isLastAdmin: boolean;
}

const HEIR_ROLES = ROLES.filter((r) => atLeast(r, 'author'));
const HEIR_LIMIT = 500;

/** What the confirmation page shows before a user is deleted. */
export async function deletionSummary(actorId: string, userId: string): Promise<DeletionSummary> {
  const target = await findTarget(userId);
  const [counts, heirs, admins] = await Promise.all([
    contentCountsOf(String(target._id)),
    User.find(
      { _id: mongoose.trusted({ $ne: target._id }), status: 'active', role: mongoose.trusted({ $in: HEIR_ROLES }) },
      'username displayName role',
    )
      .sort({ displayName: 1 })
      .limit(HEIR_LIMIT)
      .lean(),
    isActiveAdmin(target) ? activeAdmins() : Promise.resolve(Infinity),
  ]);
  return {
    user: { id: String(target._id), label: label(target), role: target.role, status: target.status },
    posts: counts.posts,
    media: counts.media,
    heirs: heirs.map((h) => ({ id: String(h._id), label: label(h), role: h.role as Role })),
    isSelf: String(target._id) === actorId,
    isLastAdmin: admins <= 1,
  };
}

export type ContentPlan = { mode: 'reassign'; to: string } | { mode: 'delete' };

export interface UserDeletion {
  user: string;
  posts: number;
  media: number;
  plan: 'reassign' | 'delete';
  heir?: string;
}

/**
 * Deletes a user after handling their posts and media as the plan says. The user is first suspended
 * (ending their sessions, so nothing new is written while their content is moved), then removed. Should a
 * step fail, the user stays suspended with part of their content handled; deleting again finishes it.
 */
export async function deleteUser(ctx: ActingContext, userId: string, plan: ContentPlan, storage: Storage): Promise<UserDeletion> {
  const target = await findTarget(userId);
  refuseSelf(ctx, target, 'delete');
  let heir: Target | undefined;
  if (plan.mode === 'reassign') {
    heir = plan.to === String(target._id) ? undefined : await findTarget(plan.to).catch(() => undefined);
    if (!heir || heir.status !== 'active' || !atLeast(heir.role, 'author')) {
      throw invalidField('to', 'Choose an active author, editor or admin to receive the posts and media.');
    }
  }
  await keepingAnAdmin(
    target,
    () => User.updateOne({ _id: target._id }, { $set: { status: 'suspended' }, $inc: { tokenVersion: 1 } }),
    () => User.updateOne({ _id: target._id }, { $set: { status: target.status } }),
  );

  const id = String(target._id);
  const counts = heir ? await reassignContent(id, String(heir._id)) : await deleteContentOf(ctx, id, storage);
  // Their comments stay, shown as "deleted user".
  await detachCommentsOf(id);
  if (target.avatarKey) await storage.delete(target.avatarKey);
  await User.deleteOne({ _id: target._id });

  const what = `${plural(counts.posts, 'post')} and ${plural(counts.media, 'image')}`;
  await recordAudit({
    actor: ctx.actor,
    action: 'user.delete',
    target: { type: 'user', id, label: label(target) },
    detail: heir ? `${what} reassigned to ${label(heir)}` : `${what} deleted`,
    ip: ctx.ip,
  });
  return { user: label(target), ...counts, plan: plan.mode, ...(heir ? { heir: label(heir) } : {}) };
}
