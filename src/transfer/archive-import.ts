// Restoring a Quire archive (archive-format.ts). The archive is unpacked into a temporary folder with
// node-tar under limits (regular files with the names an archive has, nothing else: no links, no paths out
// of the folder, at most IMPORT_MAX_MB unpacked), then read collection by collection, in batches.
//
// Stable ids: every document keeps its archive _id, so a second run finds everything there and skips it
// (idempotent). Without --merge the site must hold no account the archive lacks (an empty site, or one
// this archive was restored into); with --merge an existing document is replaced only when the archive's
// copy is newer (updatedAt), so newer content is never overwritten.
//
// The archive is treated as hostile like any imported file: every document goes through its model's
// validation; what pages show as HTML is rendered again here from the source text (post Markdown through
// the post sanitiser, comment text through the comment renderer), never taken from the file; media files
// are restored only where a media record or avatar names them, and only when their bytes are the image
// the record says (the media pipeline's probe), so nothing else can be planted under /uploads.
import { randomInt } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import mongoose from 'mongoose';
import * as tar from 'tar';
import { renderCommentBody, fingerprintOf } from '../comments/comment-text.js';
import { EXTENSIONS, probeImage } from '../media/image-pipeline.js';
import { mediaPrefix } from '../media/media.service.js';
import { assertSafeKey, type Storage } from '../media/storage.js';
import { plainText, renderMarkdown } from '../posts/markdown.js';
import { deriveBody } from '../posts/post-content.js';
import { COLLECTIONS, manifestSchema, NO_PASSWORD, ndjsonPath, type CollectionSpec, type Manifest } from './archive-format.js';
import { ImportReport } from './import-report.js';

const { EJSON } = mongoose.mongo.BSON;
const BATCH = 500;
const ENTRY = /^(?:manifest\.json|[a-z_]+\.ndjson|media\/[a-z0-9][a-z0-9_./-]*)$/i;
const AVATAR_KEY = /^avatars\/[a-f0-9]{24}\/[a-f0-9]{32}\.webp$/;

export interface ImportOptions {
  storage: Storage;
  merge?: boolean;
  dryRun?: boolean;
  /** Largest input file, and most bytes unpacked from it (config.importMaxBytes). */
  maxBytes: number;
  /** Largest image file (config.maxUploadBytes, as for uploads). */
  maxImageBytes: number;
  progress?: (line: string) => void;
}

type Doc = Record<string, unknown> & { _id: unknown };

export class ImportRefused extends Error {
  override name = 'ImportRefused';
}

function modelFor(collection: string): mongoose.Model<unknown> | undefined {
  for (const name of mongoose.modelNames()) {
    const model = mongoose.model(name);
    if (model.collection.collectionName === collection) return model as mongoose.Model<unknown>;
  }
  return undefined;
}

/** Unpacks the archive's files under limits; returns the folder. */
async function unpack(file: string, work: string, maxBytes: number, report: ImportReport): Promise<void> {
  let total = 0;
  let over = false;
  let ignored = 0;
  await tar.x({
    file,
    cwd: work,
    strict: true,
    preservePaths: false,
    // Plain files with the names an archive has; links, devices and odd paths are skipped unread.
    filter: (path, entry) => {
      const e = entry as tar.ReadEntry;
      const ok = e.type === 'File' && ENTRY.test(path) && !path.includes('..');
      if (!ok) {
        ignored++;
        return false;
      }
      total += e.size ?? 0;
      if (total > maxBytes) over = true;
      return !over;
    },
  });
  if (over) throw new ImportRefused(`The archive unpacks to more than ${Math.round(maxBytes / 1048576)} MB (IMPORT_MAX_MB).`);
  if (ignored) report.notes.push(`${ignored} archive entries that are not part of the format were ignored.`);
}

async function* lines(file: string): AsyncGenerator<string> {
  const rl = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  for await (const line of rl) if (line.trim()) yield line;
}

async function* batches(file: string): AsyncGenerator<string[]> {
  let batch: string[] = [];
  for await (const line of lines(file)) {
    batch.push(line);
    if (batch.length === BATCH) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length) yield batch;
}

function labelOf(doc: Record<string, unknown>): string {
  for (const field of ['slug', 'username', 'path', 'filename']) if (typeof doc[field] === 'string') return `${doc[field]} (${String(doc._id)})`;
  return String(doc._id ?? '?');
}

/** A document from the file, validated by its model, with everything pages show as HTML made again here. */
async function prepare(spec: CollectionSpec, model: mongoose.Model<unknown>, raw: Doc): Promise<Doc> {
  if (spec.name === 'users') {
    if (typeof raw.passwordHash !== 'string') raw.passwordHash = NO_PASSWORD;
    // Sessions never travel, and none from before may open the restored account: a token carries the
    // tokenVersion it was issued under, and a fresh random one matches none of them.
    raw.tokenVersion = randomInt(1, 2 ** 31);
    raw.revokedSessions = [];
  }
  if (spec.name === 'posts') {
    const body = deriveBody(String(raw.bodyMarkdown ?? ''), raw.customExcerpt === true ? String(raw.excerpt ?? '') : '');
    Object.assign(raw, body);
  }
  // Pages (when the site has them) carry Markdown too: their HTML is made here as well, never trusted.
  if (spec.name === 'pages' && typeof raw.bodyMarkdown === 'string') {
    const html = renderMarkdown(raw.bodyMarkdown);
    if ('bodyHtml' in raw) raw.bodyHtml = html;
    if ('bodyText' in raw) raw.bodyText = plainText(html);
  }
  if (spec.name === 'comments') {
    const text = String(raw.body ?? '');
    raw.bodyHtml = renderCommentBody(text);
    raw.fingerprint = fingerprintOf(text);
  }
  const doc = new model(raw);
  await doc.validate();
  return doc.toObject({ depopulate: true }) as Doc;
}

/** The files of one media record (or avatar), checked: named under its own prefix and really the image it claims. */
async function mediaFiles(doc: Doc, work: string, maxImageBytes: number): Promise<{ key: string; data: Buffer; type: string }[]> {
  const keys: { key: string; format: string }[] = [];
  if ('originalKey' in doc) {
    const prefix = `${mediaPrefix(doc as { _id: mongoose.Types.ObjectId; storageKey?: string })}/`;
    keys.push({ key: String(doc.originalKey), format: String(doc.format) });
    for (const v of (doc.variants as { key: string }[]) ?? []) keys.push({ key: v.key, format: 'webp' });
    for (const { key } of keys) if (!key.startsWith(prefix)) throw new Error(`file ${key} is outside the image's folder ${prefix}`);
  } else if (typeof doc.avatarKey === 'string') {
    if (!AVATAR_KEY.test(doc.avatarKey) || !doc.avatarKey.startsWith(`avatars/${String(doc._id)}/`)) throw new Error('avatar key is not one Quire makes');
    keys.push({ key: doc.avatarKey, format: 'webp' });
  }
  const files = [];
  for (const { key, format } of keys) {
    assertSafeKey(key);
    const path = join(work, 'media', key);
    if (!existsSync(path)) throw new Error(`file ${key} is not in the archive`);
    if ((await stat(path)).size > maxImageBytes) throw new Error(`file ${key} is larger than MAX_UPLOAD_MB`);
    const data = await readFile(path);
    const probe = await probeImage(data, { decode: false });
    const extension = key.slice(key.lastIndexOf('.') + 1);
    if (probe.format !== format || EXTENSIONS[probe.format] !== extension) throw new Error(`file ${key} is not the ${format} image its record says`);
    files.push({ key, data, type: `image/${probe.format}` });
  }
  return files;
}

/** The files a record names, checked and stored; an account whose avatar is unusable keeps the default one. */
async function storeFiles(spec: CollectionSpec, doc: Doc, work: string, options: ImportOptions, report: ImportReport): Promise<void> {
  let files;
  try {
    files = await mediaFiles(doc, work, options.maxImageBytes);
  } catch (err) {
    if (spec.name !== 'users') throw err;
    delete doc.avatarKey;
    report.notes.push(`${labelOf(doc)}: avatar left out (${(err as Error).message}).`);
    return;
  }
  for (const f of files) await options.storage.put(f.key, f.data, f.type);
}

/**
 * A newer copy of an existing account: its profile and role are taken; its password only when the
 * archive carries hashes (and then every session of the account ends); session state is never touched.
 */
async function mergeUser(model: mongoose.Model<unknown>, doc: Doc): Promise<void> {
  const { passwordHash, tokenVersion: _tv, revokedSessions: _rs, _id, ...profile } = doc;
  const withHash = passwordHash !== NO_PASSWORD;
  await model.updateOne({ _id }, { $set: { ...profile, ...(withHash ? { passwordHash } : {}) }, ...(withHash ? { $inc: { tokenVersion: 1 } } : {}) }, { timestamps: false });
}

function newer(incoming: unknown, existing: unknown): boolean {
  if (!(incoming instanceof Date)) return false;
  if (!(existing instanceof Date)) return true;
  return incoming.getTime() > existing.getTime();
}

function writeErrorsOf(err: unknown): Map<number, string> | null {
  const list = (err as { writeErrors?: unknown })?.writeErrors;
  if (!Array.isArray(list)) return null;
  return new Map(list.map((e: { index: number; errmsg?: string; err?: { errmsg?: string } }) => [e.index, e.errmsg ?? e.err?.errmsg ?? 'refused by the database']));
}

function duplicateReason(message: string): string {
  return /E11000|duplicate key/i.test(message) ? `another record already uses this ${/index: (\w+)/.exec(message)?.[1]?.replace(/_1$/, '') ?? 'key'}` : message;
}

/** Without --merge, a site that has accounts the archive does not is not empty: refused before anything is written. */
async function assertRestorable(work: string): Promise<void> {
  const file = join(work, ndjsonPath('users'));
  const ids = new Set<string>();
  if (existsSync(file)) for await (const line of lines(file)) ids.add(String((EJSON.parse(line) as Doc)._id));
  const users = mongoose.connection.db!.collection('users').find({}, { projection: { _id: 1 } });
  for await (const u of users) {
    if (!ids.has(String(u._id))) {
      await users.close();
      throw new ImportRefused('This site has accounts that are not in the archive. Restore into an empty site, or add --merge to merge (newer content is kept).');
    }
  }
}

async function importCollection(spec: CollectionSpec, work: string, options: ImportOptions, report: ImportReport): Promise<void> {
  const file = join(work, ndjsonPath(spec.name));
  if (!existsSync(file)) return;
  options.progress?.(`${spec.name}...`);
  const model = modelFor(spec.name);
  if (!model) {
    report.notes.push(`${spec.name}: this version of Quire has no such collection; left out.`);
    return;
  }
  const coll = mongoose.connection.db!.collection<Doc>(spec.name);
  const progress = options.progress ?? (() => {});
  let seen = 0;
  for await (const batch of batches(file)) {
    const parsed: Doc[] = [];
    for (const [i, line] of batch.entries()) {
      try {
        const raw = EJSON.parse(line) as Doc;
        if (raw === null || typeof raw !== 'object' || raw._id === undefined) throw new Error('not a document with an _id');
        parsed.push(raw);
      } catch (err) {
        report.fail(spec.name, `line ${seen + i + 1}`, (err as Error).message);
      }
    }
    seen += batch.length;
    const field = spec.updatedField;
    const existing = new Map(
      (await coll.find({ _id: { $in: parsed.map((d) => d._id) } } as never, { projection: { _id: 1, ...(field ? { [field]: 1 } : {}) } }).toArray()).map((d) => [String(d._id), d]),
    );
    // Only what will be written is validated and rendered (a rerun that skips everything stays cheap).
    const toCreate: Doc[] = [];
    const toReplace: Doc[] = [];
    for (const raw of parsed) {
      const found = existing.get(String(raw._id));
      if (found && !(options.merge && field && newer(raw[field], found[field]))) {
        report.count(spec.name, 'skipped');
        continue;
      }
      try {
        (found ? toReplace : toCreate).push(await prepare(spec, model, raw));
      } catch (err) {
        report.fail(spec.name, labelOf(raw), (err as Error).message);
      }
    }
    if (options.dryRun) {
      for (const doc of toCreate) report.count(spec.name, 'created', 1, labelOf(doc));
      for (const doc of toReplace) report.count(spec.name, 'updated', 1, labelOf(doc));
      continue;
    }

    // Files before records (as uploads do): a record never points at files that are not there.
    const withFiles = spec.name === 'media' || spec.name === 'users';
    const creatable: Doc[] = [];
    for (const doc of toCreate) {
      try {
        if (withFiles) await storeFiles(spec, doc, work, options, report);
        creatable.push(doc);
      } catch (err) {
        report.fail(spec.name, labelOf(doc), (err as Error).message);
      }
    }
    if (creatable.length) {
      let failures: Map<number, string> = new Map();
      try {
        // Through the model (so the posts indexes and caches hear of it), already validated above.
        await model.insertMany(creatable, { ordered: false, lean: true });
      } catch (err) {
        const found = writeErrorsOf(err);
        if (!found) throw err;
        failures = found;
      }
      creatable.forEach((doc, i) => {
        const reason = failures.get(i);
        if (reason === undefined) report.count(spec.name, 'created');
        else report.fail(spec.name, labelOf(doc), duplicateReason(reason));
      });
    }
    for (const doc of toReplace) {
      try {
        if (withFiles) await storeFiles(spec, doc, work, options, report);
        if (spec.name === 'users') await mergeUser(model, doc);
        else await model.replaceOne({ _id: doc._id }, doc, { timestamps: false });
        report.count(spec.name, 'updated');
      } catch (err) {
        report.fail(spec.name, labelOf(doc), duplicateReason((err as Error).message));
      }
    }
    if (seen % 5000 < BATCH) progress(`${spec.name}: ${seen}`);
  }
}

/** Restores (or, with dryRun, describes) an archive; throws ImportRefused when it cannot start. */
export async function importArchive(file: string, options: ImportOptions): Promise<ImportReport> {
  const report = new ImportReport('quire-archive', options.dryRun ?? false);
  const work = await mkdtemp(join(tmpdir(), 'quire-import-'));
  try {
    await unpack(file, work, options.maxBytes, report);
    let manifest: Manifest;
    try {
      manifest = manifestSchema.parse(JSON.parse(await readFile(join(work, 'manifest.json'), 'utf8')));
    } catch {
      throw new ImportRefused('This archive has no valid manifest.json (format quire-archive, version 1).');
    }
    if (manifest.withPasswordHashes) report.notes.push('The archive carries password hashes: accounts keep their passwords.');
    else report.notes.push('The archive has no password hashes: accounts sign in again after a password reset or invitation.');
    if (!options.merge) await assertRestorable(work);
    for (const spec of COLLECTIONS) {
      await importCollection(spec, work, options, report);
    }
    // Every write went through the models, which announced it on the change bus: caches here and in other
    // processes (through the change feed) have already let go of what the import replaced.
    return report;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
