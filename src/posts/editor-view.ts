// What the editor page shows: the form values of a post, its status, the media picker and the revisions.
import type { Actor } from '../site/permissions.js';
import { listPickerMedia } from '../media/media.service.js';
import type { Storage } from '../media/storage.js';
import { displayStatus, type DisplayStatus } from './post.model.js';
import { builtAsset } from '../http/assets.js';
import type { DateFormats } from '../http/format.js';
import type { PostRecord } from './posts.service.js';
import { listRevisions } from './revisions.service.js';
import { tagRefs } from './tags.js';

export interface EditorPost {
  id: string;
  slug: string;
  url: string;
  title: string;
  status: DisplayStatus;
  publishedAt: Date | null;
  publishedLabel: string;
  version: number;
}

/** The form values of a post; the schedule as a datetime-local value in the zone of `dates` (the user's). */
export async function editorValues(post: PostRecord, dates: DateFormats): Promise<Record<string, string>> {
  const tags = await tagRefs(post.tags);
  return {
    title: post.title,
    slug: post.slug,
    body: post.bodyMarkdown,
    excerpt: post.customExcerpt ? post.excerpt : '',
    tags: post.tags.map((t) => tags.get(t)?.name ?? t).join(', '),
    coverMediaId: post.coverMediaId ? String(post.coverMediaId) : '',
    coverAlt: post.coverMediaId ? post.coverAlt : '',
    publishAt: displayStatus(post) === 'scheduled' ? dates.toDateTimeLocal(post.publishedAt) : '',
    version: String(post.version),
    commentsEnabled: post.commentsEnabled === false ? '' : 'on',
  };
}

/** Locals for the editor of a new post (post null) or an existing one; times in the zone of `dates`. */
export async function editorLocals(actor: Actor, post: PostRecord | null, storage: Storage, dates: DateFormats) {
  const [picker, revisions] = await Promise.all([listPickerMedia(actor, storage), post ? listRevisions(post._id) : Promise.resolve([])]);
  const editorPost: EditorPost | null = post && {
    id: String(post._id),
    slug: post.slug,
    url: `/posts/${post.slug}`,
    title: post.title,
    status: displayStatus(post),
    publishedAt: post.publishedAt ?? null,
    publishedLabel: dates.formatDateTime(post.publishedAt),
    version: post.version,
  };
  return {
    title: post ? `Edit “${post.title}”` : 'New post',
    noindex: true,
    post: editorPost,
    action: post ? `/posts/${post.slug}/edit` : '/posts',
    picker,
    revisions,
    minPublishAt: dates.toDateTimeLocal(new Date()),
    // The zone the schedule field is shown and read in (a hidden field sends it back: post-forms.ts).
    scheduleZone: dates.timeZone,
    scheduleZoneLabel: dates.zoneLabel(post?.publishedAt && post.publishedAt > new Date() ? post.publishedAt : new Date()),
    // The enhanced editor (public/js/editor/): autosave goes to the server for drafts and new posts only.
    editorScript: builtAsset('/public/build/editor.js'),
    autosave: !post || displayStatus(post) === 'draft' ? 'server' : 'local',
    autosaveUrl: post ? `/posts/${post.slug}/autosave` : '/posts/autosave',
  };
}
