// What the media domain needs to know of the domains above it: which posts and pages use an image (the
// library shows it, deletion asks before taking an image from them and then detaches it) and who uploaded it.
// Declared here and provided once by those domains (src/wiring.ts), so media never imports posts or
// users: the arrows between the domains point one way.
import type { Types } from 'mongoose';
import { plural } from '../http/format.js';

/** A post or page that shows an image. */
export interface ContentRef {
  kind: 'post' | 'page';
  id: string;
  title: string;
  slug: string;
  editUrl: string;
  asCover: boolean;
}

export interface Uploader {
  displayName: string;
  username: string;
}

export interface MediaRelations {
  /** Posts, then pages, using each of these images, keyed by media id (images used nowhere are absent). */
  contentUsing(mediaIds: Iterable<Types.ObjectId | string>): Promise<Map<string, ContentRef[]>>;
  /** After an image is deleted: the posts and pages that used it let go of it. */
  detachFromContent(mediaId: Types.ObjectId): Promise<void>;
  /** Names of these users, keyed by id (unknown ids are absent). */
  uploadersByIds(ids: string[]): Promise<Map<string, Uploader>>;
}

/** "1 post", "2 posts and 1 page": where an image is used, for the library and the delete pages. */
export function usageSummary(refs: readonly ContentRef[]): string {
  const posts = refs.filter((r) => r.kind === 'post').length;
  const pages = refs.length - posts;
  return [posts ? plural(posts, 'post') : '', pages ? plural(pages, 'page') : ''].filter(Boolean).join(' and ');
}

let provided: MediaRelations | null = null;

export function provideMediaRelations(relations: MediaRelations): void {
  provided = relations;
}

function relations(): MediaRelations {
  if (!provided) throw new Error('media relations not provided: import src/wiring.ts before using media');
  return provided;
}

export const contentUsing: MediaRelations['contentUsing'] = (ids) => relations().contentUsing(ids);
export const detachFromContent: MediaRelations['detachFromContent'] = (id) => relations().detachFromContent(id);
export const uploadersByIds: MediaRelations['uploadersByIds'] = (ids) => relations().uploadersByIds(ids);
