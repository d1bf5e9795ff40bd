// Which surrogate keys (http/cdn-headers.ts) a post write changes, from the post before and after it:
// exactly the pages a CDN must forget. A post no visitor could see before or after (a draft saved, a
// schedule moved) changes none. A post that appears, disappears or moves in time changes its own pages,
// every list and the pages of its tags and author; an edit of a visible post changes its own pages (each
// list page showing it carries its key), the feed, sitemap and search, and the tags and author it gained
// or lost.
//
// Limit: a scheduled post appears when its time comes, without a write, so without a purge; CDNs show it
// once the pages they hold expire (s-maxage, a site setting).
import { surrogateKey } from '../http/cdn-headers.js';
import type { PostDoc } from './post.model.js';

type PostState = Pick<PostDoc, '_id' | 'status' | 'publishedAt' | 'tags' | 'author'>;

export function postChangeKeys(before: PostState | null, after: PostState | null, now = new Date()): string[] {
  const visible = (p: PostState | null): p is PostState => !!p && p.status === 'published' && !!p.publishedAt && p.publishedAt.getTime() <= now.getTime();
  const was = visible(before) ? before : null;
  const is = visible(after) ? after : null;
  if (!was && !is) return [];
  const id = String((is ?? was)!._id);
  const keys = new Set([surrogateKey.post(id), surrogateKey.list('feed'), surrogateKey.list('sitemap'), surrogateKey.list('search')]);
  const tagsOf = (p: PostState | null) => new Set(p?.tags ?? []);
  const authorOf = (p: PostState | null) => (p ? [String(p.author)] : []);
  const moved = !was || !is || was.publishedAt!.getTime() !== is.publishedAt!.getTime();
  if (moved) {
    keys.add(surrogateKey.list('home'));
    for (const tag of new Set([...tagsOf(was), ...tagsOf(is)])) keys.add(surrogateKey.tag(tag));
    for (const author of new Set([...authorOf(was), ...authorOf(is)])) keys.add(surrogateKey.author(author));
  } else {
    const [had, has] = [tagsOf(was), tagsOf(is)];
    for (const tag of had) if (!has.has(tag)) keys.add(surrogateKey.tag(tag));
    for (const tag of has) if (!had.has(tag)) keys.add(surrogateKey.tag(tag));
    if (String(was.author) !== String(is.author)) for (const author of [...authorOf(was), ...authorOf(is)]) keys.add(surrogateKey.author(author));
  }
  return [...keys];
}
