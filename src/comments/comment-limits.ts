// Abuse limits on new comments: at most RATE_LIMIT a minute per user, and never the same text twice on the
// same post within a day. Both are counted in the database, so they hold across processes and restarts.
//
// Requests sent at the same moment (a double click, a script) must not all pass a check made before any of
// them is written. Within a process, one user's new comments are therefore written one at a time
// (`oneAtATime`), so the check before the write sees every earlier comment. Across processes, a check
// after the write removes a comment that turns out to have at least RATE_LIMIT earlier ones in its minute,
// or an earlier twin: it never removes one that was within the limits, and narrows what could slip through.
import mongoose, { type Types } from 'mongoose';
import { invalidField, TooManyRequests } from '../http/errors.js';
import { Comment } from './comment.model.js';
import { SerialWrites } from '../db/serial-writes.js';

export const RATE_LIMIT = 5;
export const RATE_WINDOW_MS = 60_000;
export const DUPLICATE_WINDOW_MS = 24 * 60 * 60_000;

export interface NewCommentKey {
  author: Types.ObjectId;
  post: Types.ObjectId;
  fingerprint: string;
}

function tooMany(oldestInWindow: Date | undefined, now: Date): TooManyRequests {
  const wait = oldestInWindow ? oldestInWindow.getTime() + RATE_WINDOW_MS - now.getTime() : RATE_WINDOW_MS;
  return new TooManyRequests(Math.max(1, Math.ceil(wait / 1000)), 'You are commenting too quickly. Please wait a minute and try again.');
}

const duplicate = () => invalidField('body', 'You have already posted this comment.');

/** Throws TooManyRequests or Invalid (duplicate) when a new comment with this key may not be written now. */
export async function checkBeforeWrite(key: NewCommentKey, now = new Date()): Promise<void> {
  const recent = await Comment.find({ author: key.author, createdAt: mongoose.trusted({ $gt: new Date(now.getTime() - RATE_WINDOW_MS) }) }, 'createdAt')
    .sort({ createdAt: -1 })
    .limit(RATE_LIMIT)
    .lean();
  if (recent.length >= RATE_LIMIT) throw tooMany(recent[recent.length - 1]?.createdAt, now);
  const same = await Comment.exists({
    author: key.author,
    post: key.post,
    fingerprint: key.fingerprint,
    createdAt: mongoose.trusted({ $gt: new Date(now.getTime() - DUPLICATE_WINDOW_MS) }),
  });
  if (same) throw duplicate();
}

/**
 * After writing `id`: throws (having deleted it) when it broke a limit because of a concurrent request.
 * Ids made later sort later, which decides which of two simultaneous comments was first.
 */
export async function checkAfterWrite(key: NewCommentKey, id: Types.ObjectId, now = new Date()): Promise<void> {
  const [earlierInMinute, earlierSame] = await Promise.all([
    Comment.find({ author: key.author, createdAt: mongoose.trusted({ $gt: new Date(now.getTime() - RATE_WINDOW_MS) }), _id: mongoose.trusted({ $lt: id }) }, 'createdAt')
      .sort({ createdAt: -1 })
      .limit(RATE_LIMIT)
      .lean(),
    Comment.exists({
      author: key.author,
      post: key.post,
      fingerprint: key.fingerprint,
      createdAt: mongoose.trusted({ $gt: new Date(now.getTime() - DUPLICATE_WINDOW_MS) }),
      _id: mongoose.trusted({ $lt: id }),
    }),
  ]);
  if (earlierInMinute.length < RATE_LIMIT && !earlierSame) return;
  await Comment.deleteOne({ _id: id });
  if (earlierSame) throw duplicate();
  throw tooMany(earlierInMinute[earlierInMinute.length - 1]?.createdAt, now);
}

const commentWrites = new SerialWrites();

/** Runs `work` after every earlier call with the same key has finished (in this process). */
export function oneAtATime<T>(key: string, work: () => Promise<T>): Promise<T> {
  return commentWrites.run(key, work);
}
