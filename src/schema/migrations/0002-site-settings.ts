import { DEFAULT_SETTINGS } from '../../site/settings.service.js';
import type { Migration } from '../migrate.js';

// Stores the default site settings, so the settings page edits a real document from the start.
export const siteSettings: Migration = {
  name: '0002-site-settings',
  description: 'store the default site settings',
  async up(db) {
    await db.collection('settings').updateOne(
      { _id: 'site' as never },
      { $setOnInsert: { ...DEFAULT_SETTINGS, createdAt: new Date(), updatedAt: new Date() } },
      { upsert: true },
    );
  },
};
