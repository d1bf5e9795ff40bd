import type { Types } from 'mongoose';
import { bodyImagesByStorageKeys } from '../../media/media.service.js';
import { mediaKeysIn } from '../../posts/markdown.js';
import type { Migration } from '../migrate.js';

// Pages saved before they listed their images (Page.mediaIds) get the list from their stored HTML, so the
// media library counts those images as in use and asks before deleting one. Pages are few (a handful per
// site); each is written only if it shows a library image. Its index is built first. Idempotent: a rerun computes the same lists.
export const pageMediaIds: Migration = {
  name: '0004-page-media-ids',
  description: 'list the library images each static page shows',
  async up(db, { logger }) {
    // The index that finds the pages using an image (built here too where autoIndex is off).
    await db.model('Page').createIndexes();
    const pages = db.collection<{ _id: Types.ObjectId; bodyHtml?: string }>('pages');
    let listed = 0;
    for await (const page of pages.find({}, { projection: { bodyHtml: 1 } })) {
      const mediaIds = [...(await bodyImagesByStorageKeys(mediaKeysIn(page.bodyHtml ?? ''))).values()].map((image) => image.id);
      if (mediaIds.length === 0) continue;
      await pages.updateOne({ _id: page._id }, { $set: { mediaIds } });
      listed++;
    }
    if (listed > 0) logger?.info(`Listed the library images of ${listed} page(s)`);
  },
};
