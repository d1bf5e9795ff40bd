// The numbers on /admin: posts by status, media, users by role, and the latest posts and sign-ups.
// Each figure is one indexed count; the recent lists are small bounded reads.
import mongoose from 'mongoose';
import { ROLES, type Role } from '../site/permissions.js';
import { Media } from '../media/media.model.js';
import { displayStatus, Post, STORED_STATUSES, type DisplayStatus } from '../posts/post.model.js';
import { avatarUrl } from '../users/avatar.js';
import { User } from '../users/user.model.js';

const RECENT = 5;

export interface ContentOverview {
  posts: Record<DisplayStatus, number> & { total: number };
  media: number;
  recentPosts: { id: string; title: string; slug: string; status: DisplayStatus; authorName: string; updatedAt: Date }[];
}

export async function contentOverview(now = new Date()): Promise<ContentOverview> {
  const [drafts, published, scheduled, media, recent] = await Promise.all([
    Post.countDocuments({ status: 'draft' }),
    Post.countDocuments({ status: 'published', publishedAt: mongoose.trusted({ $lte: now }) }),
    Post.countDocuments({ status: 'published', publishedAt: mongoose.trusted({ $gt: now }) }),
    Media.estimatedDocumentCount(),
    // status $in lets the {status, updatedAt} index serve the sort for both statuses.
    Post.find({ status: mongoose.trusted({ $in: [...STORED_STATUSES] }) }, 'title slug status publishedAt author updatedAt')
      .sort({ updatedAt: -1, _id: -1 })
      .limit(RECENT)
      .lean(),
  ]);
  const authorIds = [...new Set(recent.map((p) => String(p.author)))];
  const authors = authorIds.length
    ? await User.find({ _id: mongoose.trusted({ $in: authorIds }) }, 'displayName').lean()
    : [];
  const names = new Map(authors.map((a) => [String(a._id), a.displayName]));
  return {
    posts: { draft: drafts, published, scheduled, total: drafts + published + scheduled },
    media,
    recentPosts: recent.map((p) => ({
      id: String(p._id),
      title: p.title,
      slug: p.slug,
      status: displayStatus(p, now),
      authorName: names.get(String(p.author)) ?? 'Deleted user',
      updatedAt: p.updatedAt,
    })),
  };
}

export interface UserOverview {
  byRole: Record<Role, number>;
  suspended: number;
  total: number;
  recentSignups: { id: string; username: string; displayName: string; role: Role; avatarUrl: string; createdAt: Date }[];
}

export async function userOverview(): Promise<UserOverview> {
  const [counts, suspended, recent] = await Promise.all([
    Promise.all(ROLES.map((role) => User.countDocuments({ role }))),
    User.countDocuments({ status: 'suspended' }),
    User.find({}, 'username displayName role avatarKey createdAt').sort({ createdAt: -1 }).limit(RECENT).lean(),
  ]);
  const byRole = Object.fromEntries(ROLES.map((role, i) => [role, counts[i] ?? 0])) as Record<Role, number>;
  return {
    byRole,
    suspended,
    total: counts.reduce((sum, n) => sum + n, 0),
    recentSignups: recent.map((u) => ({
      id: String(u._id),
      username: u.username,
      displayName: u.displayName,
      role: u.role as Role,
      avatarUrl: avatarUrl(u.avatarKey),
      createdAt: u.createdAt,
    })),
  };
}
