// What templates get for comments: plain view objects with the commenter's current name and avatar joined
// in (one User query for a whole list, never one per comment), or "deleted user" once the account is gone.
import mongoose, { type Types } from 'mongoose';
import type { Role } from '../site/permissions.js';
import { formatDateTime } from '../http/format.js';
import { avatarUrl } from '../users/avatar.js';
import { User } from '../users/user.model.js';
import type { CommentDoc, CommentStatus } from './comment.model.js';

export const DELETED_USER = 'deleted user';

export interface Commenter {
  id: string | null;
  displayName: string;
  avatarUrl: string;
  role: Role | null;
  deleted: boolean;
}

export interface CommentView {
  id: string;
  anchor: string;
  status: CommentStatus;
  author: Commenter;
  bodyHtml: string;
  createdAt: Date;
  createdLabel: string;
  editedAt: Date | null;
}

const DELETED: Commenter = { id: null, displayName: DELETED_USER, avatarUrl: avatarUrl(null), role: null, deleted: true };

export type CommentSource = Pick<CommentDoc, '_id' | 'author' | 'status' | 'bodyHtml' | 'createdAt' | 'editedAt'>;

/** Commenters by id, in one query; ids of deleted accounts are simply missing from the map. */
export async function commentersByIds(ids: Iterable<Types.ObjectId | null | undefined>): Promise<Map<string, Commenter>> {
  const unique = [...new Set([...ids].filter(Boolean).map(String))];
  if (unique.length === 0) return new Map();
  const users = await User.find({ _id: mongoose.trusted({ $in: unique }) }, 'displayName avatarKey role').lean();
  return new Map(
    users.map((u) => [String(u._id), { id: String(u._id), displayName: u.displayName, avatarUrl: avatarUrl(u.avatarKey), role: u.role as Role, deleted: false }]),
  );
}

export function commenterOf(authorId: Types.ObjectId | null | undefined, commenters: Map<string, Commenter>): Commenter {
  return (authorId && commenters.get(String(authorId))) || DELETED;
}

export async function toCommentViews(docs: CommentSource[]): Promise<CommentView[]> {
  const commenters = await commentersByIds(docs.map((d) => d.author));
  return docs.map((d) => ({
    id: String(d._id),
    anchor: `comment-${String(d._id)}`,
    status: d.status,
    author: commenterOf(d.author, commenters),
    bodyHtml: d.bodyHtml,
    createdAt: d.createdAt,
    createdLabel: formatDateTime(d.createdAt),
    editedAt: d.editedAt ?? null,
  }));
}
