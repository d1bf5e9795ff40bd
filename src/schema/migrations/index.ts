// Every migration, in order. Add new ones at the end; never rename or remove an applied one.
import type { Migration } from '../migrate.js';
import { initialIndexes } from './0001-initial-indexes.js';
import { siteSettings } from './0002-site-settings.js';
import { unguessableMediaKeys } from './0003-unguessable-media-keys.js';
import { pageMediaIds } from './0004-page-media-ids.js';

export const migrations: Migration[] = [initialIndexes, siteSettings, unguessableMediaKeys, pageMediaIds];
