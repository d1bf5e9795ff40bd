// Media decisions: who sees which images, and image views for pages. (Uploading, deleting and usage
// tracking are added here by the media library work.)
import mongoose from 'mongoose';
import { can, type Actor } from '../auth/permissions.js';
import { toImageView, type ImageView } from './image-view.js';
import { Media } from './media.model.js';
import type { Storage } from './storage.js';

export interface PickerItem {
  id: string;
  filename: string;
  alt: string;
  width: number;
  height: number;
  thumbUrl: string;
  /** Markdown that shows this image in a post body. */
  markdown: string;
}

const PICKER_LIMIT = 60;

/** Images an author may choose from in the post editor: their own (editors and admins: everyone's), newest first. */
export async function listPickerMedia(actor: Actor, storage: Storage): Promise<PickerItem[]> {
  const filter = can(actor, 'media:manage', { ownerId: null }) ? {} : { owner: actor.id };
  const docs = await Media.find(filter, 'filename alt width height variants originalKey')
    .sort({ createdAt: -1 })
    .limit(PICKER_LIMIT)
    .lean();
  return docs.map((m) => {
    const view = toImageView(m, (key) => storage.url(key));
    const small = [...m.variants].sort((a, b) => a.width - b.width)[0];
    return {
      id: String(m._id),
      filename: m.filename,
      alt: m.alt,
      width: m.width,
      height: m.height,
      thumbUrl: small ? storage.url(small.key) : view.src,
      markdown: `![${m.alt.replace(/[[\]]/g, '')}](${view.largest})`,
    };
  });
}

/** Image views for a set of media ids, in one query (for lists of posts with covers). */
export async function imagesByIds(ids: Iterable<unknown>, storage: Storage): Promise<Map<string, ImageView>> {
  const unique = [...new Set([...ids].filter(Boolean).map(String))].filter((id) => mongoose.isValidObjectId(id));
  if (unique.length === 0) return new Map();
  const docs = await Media.find({ _id: mongoose.trusted({ $in: unique }) }, 'alt width height variants originalKey').lean();
  return new Map(docs.map((m) => [String(m._id), toImageView(m, (key) => storage.url(key))]));
}
