// What posts need of comments, which sit above them (a comment hangs on a post): the thread under a post
// page, the pending count on the dashboard, and the clean-up when a post is deleted. Declared here and
// provided once by the comments domain (src/wiring.ts), so posts never import comments and the arrows
// between the two point one way.
import type { Types } from 'mongoose';
import type { NamedActor } from '../site/permissions.js';

export interface PostComments {
  /** The thread under a live post as this viewer sees it (what views/comments/_section.ejs renders), or null. */
  threadFor(postId: string, viewer: NamedActor | null): Promise<object | null>;
  /** Comments awaiting this actor's moderation. */
  pendingFor(actor: NamedActor | null): Promise<number>;
  /** A post was deleted: its comments go with it. */
  postDeleted(postId: Types.ObjectId): Promise<void>;
}

let provided: PostComments | null = null;

export function providePostComments(comments: PostComments): void {
  provided = comments;
}

/** The comments domain's answers (never a silent stand-in: a post deleted without it would leave orphans). */
export function postComments(): PostComments {
  if (!provided) throw new Error('post comments not provided: import src/wiring.ts before using posts');
  return provided;
}
