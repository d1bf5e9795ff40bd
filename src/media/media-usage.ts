// What the media domain needs to know of the domains above it: which posts use an image (the library
// shows it, deletion asks before taking an image from posts and then detaches it) and who uploaded it.
// Declared here and provided once by those domains (src/wiring.ts), so media never imports posts or
// users: the arrows between the domains point one way.
import type { Types } from 'mongoose';

export interface PostRef {
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
  /** Posts using each of these images, keyed by media id (images in no post are absent). */
  postsUsing(mediaIds: Iterable<Types.ObjectId | string>): Promise<Map<string, PostRef[]>>;
  /** After an image is deleted: the posts that used it let go of it. */
  detachFromPosts(mediaId: Types.ObjectId): Promise<void>;
  /** Names of these users, keyed by id (unknown ids are absent). */
  uploadersByIds(ids: string[]): Promise<Map<string, Uploader>>;
}

let provided: MediaRelations | null = null;

export function provideMediaRelations(relations: MediaRelations): void {
  provided = relations;
}

function relations(): MediaRelations {
  if (!provided) throw new Error('media relations not provided: import src/wiring.ts before using media');
  return provided;
}

export const postsUsing: MediaRelations['postsUsing'] = (ids) => relations().postsUsing(ids);
export const detachFromPosts: MediaRelations['detachFromPosts'] = (id) => relations().detachFromPosts(id);
export const uploadersByIds: MediaRelations['uploadersByIds'] = (ids) => relations().uploadersByIds(ids);
