import type { Migration } from '../migrate.js';

// Builds every index the models declare (autoIndex does the same lazily; a migration makes it explicit
// and finished before the first request, and works where autoIndex is turned off in production).
export const initialIndexes: Migration = {
  name: '0001-initial-indexes',
  description: 'create the indexes declared by every model',
  async up(db) {
    for (const name of db.modelNames()) await db.model(name).createIndexes();
  },
};
