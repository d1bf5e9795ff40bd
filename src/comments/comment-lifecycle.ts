// What happens to comments when the things they hang on change: a deleted post takes its comments with it,
// a post that changes hands takes its moderation along (postAuthor), and a deleted account leaves its
// comments in place, shown as "deleted user". Called by the posts and admin services; the Comment
// model announces each write.
import type { Types } from 'mongoose';
import { Comment } from './comment.model.js';

export async function deleteCommentsOfPost(postId: Types.ObjectId | string): Promise<void> {
  await Comment.deleteMany({ post: postId });
}

export async function reassignPostComments(fromUserId: Types.ObjectId | string, toUserId: Types.ObjectId | string): Promise<void> {
  await Comment.updateMany({ postAuthor: fromUserId }, { $set: { postAuthor: toUserId } });
}

export async function detachCommentsOf(userId: Types.ObjectId | string): Promise<void> {
  await Comment.updateMany({ author: userId }, { $set: { author: null } });
}
