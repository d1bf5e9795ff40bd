// The Quire archive (format "quire-archive", version 1): a .tar.gz holding manifest.json, one NDJSON file
// per collection (one document a line, MongoDB Extended JSON so ids and dates keep their types) and the
// media files under media/<storage key>. Documented in the README ("Moving in and out"). The list below
// is an allowlist: a collection is exported and imported only when it is named here, so a collection that
// holds secrets (sessions, sign-in attempts, tokens) never leaves the site by accident; one that another
// part of Quire adds (static pages) is picked up as soon as a model for it exists.
import { z } from 'zod';

export const ARCHIVE_FORMAT = 'quire-archive';
export const ARCHIVE_VERSION = 1;

export interface CollectionSpec {
  /** The MongoDB collection, and the NDJSON file's name (`<name>.ndjson`). */
  name: string;
  /** Exported only with --with-revisions. */
  optional?: 'revisions';
  /** Merge compares this field (newer wins); documents without it are never overwritten. */
  updatedField?: string;
}

/** In import order: what a document refers to is restored before it. */
export const COLLECTIONS: readonly CollectionSpec[] = [
  { name: 'settings', updatedField: 'updatedAt' },
  { name: 'users', updatedField: 'updatedAt' },
  { name: 'tags', updatedField: 'updatedAt' },
  { name: 'media', updatedField: 'updatedAt' },
  { name: 'posts', updatedField: 'updatedAt' },
  { name: 'pages', updatedField: 'updatedAt' },
  { name: 'post_revisions', optional: 'revisions' },
  { name: 'comments', updatedField: 'updatedAt' },
  { name: 'redirects', updatedField: 'updatedAt' },
];

/**
 * User fields that are credentials: left out unless the export is asked for password hashes (and then
 * the manifest says so). Sessions (revokedSessions, tokenVersion) never travel: a restored site starts
 * with every session ended. Matched by name, broadly, so that a two-factor secret or recovery code added
 * to accounts later counts as a credential whatever it is called.
 */
export const CREDENTIAL_FIELDS = /password|secret|totp|otp|mfa|two.?factor|recovery|token/i;
export const SESSION_FIELDS = new Set(['revokedSessions', 'tokenVersion']);

/** What an imported account without a password hash gets: no password verifies against it (auth/password.ts parses none). */
export const NO_PASSWORD = '!no-password';

export const manifestSchema = z.object({
  format: z.literal(ARCHIVE_FORMAT),
  version: z.literal(ARCHIVE_VERSION),
  createdAt: z.string(),
  counts: z.record(z.string(), z.number().int().min(0)),
  withPasswordHashes: z.boolean().default(false),
  withRevisions: z.boolean().default(false),
  media: z.number().int().min(0).default(0),
});
export type Manifest = z.infer<typeof manifestSchema>;

/** Archive paths of the NDJSON files and of the media files. */
export const ndjsonPath = (collection: string) => `${collection}.ndjson`;
export const mediaPath = (storageKey: string) => `media/${storageKey}`;
