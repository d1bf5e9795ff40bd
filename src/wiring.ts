// Where the domains meet through the interfaces the lower ones declare: media asks which posts and pages
// use an image and who uploaded it (src/media/media-usage.ts); posts ask for the comments under a post and hand
// over a deleted post's comments (src/posts/post-comments.ts); the sitemap lists the static pages
// (src/posts/feeds.ts). The lower domain declares what it needs,
// the higher one provides it here, once per process, so no domain imports one above it. Imported by the
// app, the server and every command-line tool before anything else runs.
import { deleteCommentsOfPost } from './comments/comment-lifecycle.js';
import { commentsForPost } from './comments/comments.service.js';
import { countPendingComments } from './comments/moderation.service.js';
import { provideMediaRelations } from './media/media-usage.js';
import { detachFromPosts, postsUsing } from './posts/media-usage.js';
import { detachFromPages, pagesUsing } from './pages/media-usage.js';
import { providePostComments } from './posts/post-comments.js';
import { provideSitemapPages } from './posts/feeds.js';
import { publishedPages } from './pages/pages.service.js';
import { namesByIds } from './users/users.service.js';

provideMediaRelations({
  async contentUsing(ids) {
    const wanted = [...ids];
    const [posts, pages] = await Promise.all([postsUsing(wanted), pagesUsing(wanted)]);
    for (const [id, refs] of pages) posts.set(id, [...(posts.get(id) ?? []), ...refs]);
    return posts;
  },
  async detachFromContent(id) {
    await Promise.all([detachFromPosts(id), detachFromPages(id)]);
  },
  uploadersByIds: namesByIds,
});
providePostComments({ threadFor: commentsForPost, pendingFor: countPendingComments, postDeleted: deleteCommentsOfPost });
provideSitemapPages(async () => (await publishedPages()).map((p) => ({ path: `/pages/${p.slug}`, updatedAt: p.updatedAt })));
