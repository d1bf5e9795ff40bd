// Export: the whole site as one Quire archive (archive-format.ts), streamed. Each collection is read in
// batches by _id (never all at once) into an NDJSON file in a temporary folder, then copied into the
// tar.gz; media files are read one at a time through the storage interface (local disk or S3). Memory
// stays flat whatever the size of the site; progress goes to the caller (stderr on the command line).
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import mongoose from 'mongoose';
import type { Storage } from '../media/storage.js';
import { recordAudit, type AuditActor } from '../site/audit.service.js';
import { ARCHIVE_FORMAT, ARCHIVE_VERSION, COLLECTIONS, CREDENTIAL_FIELDS, mediaPath, ndjsonPath, SESSION_FIELDS, type Manifest } from './archive-format.js';
import { TarGzWriter } from './tar-writer.js';

const { EJSON } = mongoose.mongo.BSON;
export const EXPORT_BATCH = 500;

export interface ExportOptions {
  storage: Storage;
  withRevisions?: boolean;
  withPasswordHashes?: boolean;
  /** Called now and then with a line for a person watching (stderr on the command line). */
  progress?: (line: string) => void;
  /** Who asked (for the audit log); null for the command line. */
  actor?: AuditActor | null;
  ip?: string | undefined;
}

type RawDoc = Record<string, unknown> & { _id: unknown };

/** Every document of a collection, in _id order, read EXPORT_BATCH at a time. */
export async function* documentsOf(collection: string, projection?: Record<string, 0 | 1>): AsyncGenerator<RawDoc> {
  const coll = mongoose.connection.db!.collection<RawDoc>(collection);
  let after: unknown;
  for (;;) {
    const filter = after === undefined ? {} : { _id: { $gt: after } };
    const batch = await coll.find(filter as never, projection ? { projection } : {}).sort({ _id: 1 }).limit(EXPORT_BATCH).toArray();
    for (const doc of batch) yield doc;
    if (batch.length < EXPORT_BATCH) return;
    after = batch[batch.length - 1]!._id;
  }
}

/**
 * The same document always serializes to the same line: keys sorted (_id first), at every level. Engines
 * differ in the key order they store (an upsert's fields, FerretDB's own order), and a restored site must
 * export the same archive as the one it came from.
 */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value === null || typeof value !== 'object') return value;
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  const keys = Object.keys(value).sort((a, b) => (a === '_id' ? -1 : b === '_id' ? 1 : a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(keys.map((k) => [k, canonical((value as Record<string, unknown>)[k])]));
}

/** A user as it leaves the site: without sessions, and without credentials unless asked for. */
function exportedUser(doc: RawDoc, withPasswordHashes: boolean): RawDoc {
  const out: RawDoc = { _id: doc._id };
  for (const [key, value] of Object.entries(doc)) {
    if (key === '_id' || SESSION_FIELDS.has(key) || key === '__v') continue;
    if (!withPasswordHashes && CREDENTIAL_FIELDS.test(key)) continue;
    out[key] = value;
  }
  return out;
}

/** Storage keys of every file the site's records name: media originals and variants, avatars. */
async function* storageKeys(): AsyncGenerator<string> {
  for await (const m of documentsOf('media', { originalKey: 1, variants: 1 })) {
    if (typeof m.originalKey === 'string') yield m.originalKey;
    for (const v of (m.variants as { key?: unknown }[] | undefined) ?? []) if (typeof v.key === 'string') yield v.key;
  }
  for await (const u of documentsOf('users', { avatarKey: 1 })) if (typeof u.avatarKey === 'string') yield u.avatarKey;
}

/** Writes the archive to `out` (a file or an HTTP response) and returns its manifest. */
export async function exportSite(out: Writable, options: ExportOptions): Promise<Manifest> {
  const progress = options.progress ?? (() => {});
  const withRevisions = options.withRevisions ?? false;
  const withPasswordHashes = options.withPasswordHashes ?? false;
  const work = await mkdtemp(join(tmpdir(), 'quire-export-'));
  const tar = new TarGzWriter(out);
  try {
    const counts: Record<string, number> = {};
    const files: string[] = [];
    for (const spec of COLLECTIONS) {
      if (spec.optional === 'revisions' && !withRevisions) continue;
      const file = join(work, ndjsonPath(spec.name));
      const stream = createWriteStream(file);
      let n = 0;
      for await (const doc of documentsOf(spec.name)) {
        const kept = spec.name === 'users' ? exportedUser(doc, withPasswordHashes) : doc;
        if (!stream.write(`${EJSON.stringify(canonical(kept), { relaxed: true })}\n`)) await once(stream, 'drain');
        n++;
        if (n % 5000 === 0) progress(`${spec.name}: ${n}`);
      }
      stream.end();
      await once(stream, 'close');
      counts[spec.name] = n;
      files.push(spec.name);
      progress(`${spec.name}: ${n} exported`);
    }

    let media = 0;
    // The manifest comes first in the archive, so an importer can check the format before anything else;
    // its media count is known only at the end, so media are counted in a first pass over the keys.
    for await (const _key of storageKeys()) media++;
    const manifest: Manifest = {
      format: ARCHIVE_FORMAT,
      version: ARCHIVE_VERSION,
      createdAt: new Date().toISOString(),
      counts,
      withPasswordHashes,
      withRevisions,
      media,
    };
    await tar.addBuffer('manifest.json', Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`));
    for (const name of files) await tar.addFile(ndjsonPath(name), join(work, ndjsonPath(name)));
    let copied = 0;
    for await (const key of storageKeys()) {
      // One file in memory at a time. A file the storage lost is left out and said so (the record stays).
      let data: Buffer;
      try {
        data = await options.storage.get(key);
      } catch {
        progress(`media: ${key} is missing from storage, left out`);
        continue;
      }
      await tar.addBuffer(mediaPath(key), data);
      copied++;
      if (copied % 500 === 0) progress(`media: ${copied}/${media}`);
    }
    if (media) progress(`media: ${copied} files exported`);
    // Everything is written. The entry goes in before the archive's last bytes, so whoever has received
    // the whole archive finds it in the log.
    await recordAudit({
      actor: options.actor ?? null,
      action: 'site.export',
      target: { type: 'site', label: 'archive' },
      detail: `${Object.entries(counts).map(([k, v]) => `${v} ${k}`).join(', ')}, ${copied} media files${withPasswordHashes ? ', WITH password hashes' : ''}`,
      ip: options.ip,
    });
    await tar.finish();
    return manifest;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
