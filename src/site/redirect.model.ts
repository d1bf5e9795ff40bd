// Old addresses of imported content (a WordPress permalink, a Ghost URL) and the Quire path each now
// lives at: GET on the old path answers 301 (redirects.ts). Looked up by path, so the path is indexed.
import mongoose, { type InferSchemaType } from 'mongoose';
import { announceWrites } from '../db/announce-writes.js';

/** A path on this site: one leading slash, never `//host` (which a browser would read as another site). */
export const LOCAL_PATH = /^\/(?![/\\])[^\s]*$/;

const redirectSchema = new mongoose.Schema(
  {
    /** The old path, normalized by normalizeRedirectPath (no query, no trailing slash). */
    path: { type: String, required: true, maxlength: 500, match: LOCAL_PATH },
    /** Where it lives now: always a path on this site, so an imported file cannot make an open redirect. */
    to: { type: String, required: true, maxlength: 500, match: LOCAL_PATH },
    /** What made it ("wordpress", "ghost"). */
    source: { type: String, default: '', maxlength: 40 },
  },
  { timestamps: true, collection: 'redirects', versionKey: false },
);

redirectSchema.index({ path: 1 }, { unique: true });

export type RedirectDoc = InferSchemaType<typeof redirectSchema>;
/** The change topic of redirect writes (src/db/changes.ts). */
export const REDIRECTS_TOPIC = 'redirects';
announceWrites(redirectSchema, { topic: REDIRECTS_TOPIC });

export const Redirect = mongoose.model('Redirect', redirectSchema, undefined, { overwriteModels: true });

/** `/2019/03/hello/?x=1` and `/2019/03/hello` are one path: no query or fragment, no trailing slash. */
export function normalizeRedirectPath(path: string): string {
  const bare = path.split(/[?#]/)[0] ?? '';
  const trimmed = bare.replace(/\/+$/, '');
  return trimmed === '' ? '/' : trimmed;
}
