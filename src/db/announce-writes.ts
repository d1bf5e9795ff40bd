// A model's declaration that its writes change what someone sees: a Mongoose plugin that announces every
// write made through the model on the change bus (src/db/changes.ts), so that no service has to remember
// to. A write names the documents it changed when its filter or documents say so (a lone `_id`, an
// `_id: {$in}`, a saved, deleted or inserted document; a findOneAnd* returns the one it changed); any
// other write (an updateMany on another field, a bulkWrite) names none: "possibly every document".
//
// `publicPaths` keeps private bookkeeping from emptying every cache: a sign-in writes `lastSignInAt` and
// a sign-out pushes to `revokedSessions`, neither of which any page shows, so neither is announced; an
// update is announced when it sets, unsets or changes one of these top-level fields (or when its shape
// cannot be read, such as an aggregation pipeline). Deletes and replacements are always announced.
// `publicWhenInserted` says whether a new document is visible by itself (a pending comment is not: it
// shows once approved, and that update is announced).
//
// `privateWhile` lets writes that no anonymous reader can see (an autosaved draft) keep the page cache:
// they are still announced (dashboards, the reading indexes and memos need them), with the audience
// `private`. The plugin decides that from the write alone, never from what a caller says, because a
// wrong "private" would keep a stale public page: a write is private only when the database itself
// checked that the document had the private value (its filter requires `status: 'draft'`, so the
// check and the write are one atomic step) and the update keeps it (does not touch the field, or sets
// the same value), or when an inserted document has it. Everything else is public: a save of a loaded
// document (its update is by `_id` alone, and the post may have been published meanwhile), a
// replacement, a pipeline update, a write by `_id` whose filter does not say `status`, a bulkWrite. So a
// caller that wants the cheaper announcement must put the condition in its filter (posts.service.ts
// does for drafts), and a caller that does not is announced as before.
//
// A write that changed nothing at all (a bulkWrite whose result counts no insert, upsert, modification
// or deletion, such as remembering tags that already exist) is not announced.
import mongoose from 'mongoose';
import { announceChange, declareTopic, type ChangeAudience } from './changes.js';

export interface AnnounceOptions {
  /** The change topic of this model's writes. */
  topic: string;
  /** Top-level fields whose change is visible somewhere; every field when absent. */
  publicPaths?: readonly string[];
  /** Whether a newly inserted document is visible; always when absent. */
  publicWhenInserted?: (doc: Record<string, unknown>) => boolean;
  /** A top-level field and value that make a document invisible to anonymous readers (see above). */
  privateWhile?: { path: string; value: string };
}

const QUERY_WRITES: mongoose.MongooseQueryMiddleware[] = [
  'updateOne',
  'updateMany',
  'replaceOne',
  'findOneAndUpdate',
  'findOneAndReplace',
  'findOneAndDelete',
  'deleteOne',
  'deleteMany',
];
const UPDATES = new Set(['updateOne', 'updateMany', 'findOneAndUpdate']);
const DELETES = new Set(['deleteOne', 'deleteMany', 'findOneAndDelete']);

/** The ids an `_id` condition names: a value, `{$eq}` or `{$in}`; null for anything else. */
export function idsOfCondition(condition: unknown): string[] | null {
  if (condition === undefined || condition === null) return null;
  if (typeof condition === 'string' || typeof condition === 'number' || condition instanceof mongoose.Types.ObjectId) return [String(condition)];
  if (typeof condition !== 'object') return null;
  const ops = Object.keys(condition);
  if (ops.length !== 1) return null;
  const value = (condition as Record<string, unknown>)[ops[0]!];
  if (ops[0] === '$eq') return idsOfCondition(value);
  if (ops[0] === '$in' && Array.isArray(value)) {
    const ids = value.map((v) => idsOfCondition(v));
    return ids.every((i) => i !== null) ? ids.flat() : null;
  }
  return null;
}

/** The top-level fields an update document writes, or null when its shape is not a plain update. */
export function pathsOfUpdate(update: unknown): Set<string> | null {
  if (!update || typeof update !== 'object' || Array.isArray(update)) return null;
  const paths = new Set<string>();
  for (const [key, value] of Object.entries(update)) {
    if (!key.startsWith('$')) {
      paths.add(key.split('.')[0]!);
      continue;
    }
    if (!value || typeof value !== 'object') return null;
    for (const path of Object.keys(value)) paths.add(path.split('.')[0]!);
  }
  return paths;
}

/** Whether a filter requires `path` to equal `value` (a plain value or `{$eq}`; nothing looser). */
export function filterRequires(filter: Record<string, unknown>, path: string, value: string): boolean {
  const condition = filter[path];
  if (condition === value) return true;
  if (!condition || typeof condition !== 'object' || Array.isArray(condition)) return false;
  const ops = Object.keys(condition);
  return ops.length === 1 && ops[0] === '$eq' && (condition as { $eq: unknown }).$eq === value;
}

/**
 * Whether an update document leaves `path` at `value`: it writes neither the field nor anything below it,
 * or only sets it (`$set`, `$setOnInsert`) to that same value. An update whose shape cannot be read
 * (a pipeline) does not.
 */
export function updateKeeps(update: unknown, path: string, value: string): boolean {
  if (!update || typeof update !== 'object' || Array.isArray(update)) return false;
  const within = (key: string) => key === path || key.startsWith(`${path}.`);
  for (const [key, fields] of Object.entries(update)) {
    if (!key.startsWith('$')) {
      if (within(key) && !(key === path && fields === value)) return false;
      continue;
    }
    if (!fields || typeof fields !== 'object') return false;
    for (const [field, set] of Object.entries(fields)) {
      // `$rename` writes its target as well as its source.
      if (key === '$rename' && typeof set === 'string' && within(set)) return false;
      if (!within(field)) continue;
      if (!((key === '$set' || key === '$setOnInsert') && field === path && set === value)) return false;
    }
  }
  return true;
}

/** Whether a bulkWrite's result says it changed nothing (every count present and zero). */
function changedNothing(result: unknown): boolean {
  if (!result || typeof result !== 'object') return false;
  const counts = result as Record<string, unknown>;
  return ['insertedCount', 'upsertedCount', 'modifiedCount', 'deletedCount'].every((name) => counts[name] === 0);
}

export function announceWrites(schema: mongoose.Schema, options: AnnounceOptions): void {
  const { topic } = options;
  const publicPaths = options.publicPaths ? new Set(options.publicPaths) : null;
  const touchesPublic = (paths: Iterable<string> | null) => {
    if (!publicPaths || paths === null) return true;
    for (const path of paths) if (publicPaths.has(path)) return true;
    return false;
  };
  const insertedIsPublic = (doc: unknown) => !options.publicWhenInserted || options.publicWhenInserted(doc as Record<string, unknown>);
  const hidden = options.privateWhile;
  /** The audience of inserted documents: private only when every one has the private value. */
  const insertedAudience = (docs: readonly unknown[]): ChangeAudience =>
    hidden && docs.every((d) => d && typeof d === 'object' && (d as Record<string, unknown>)[hidden.path] === hidden.value) ? 'private' : 'public';
  /** The audience of a query write (see the top of this file). */
  const queryAudience = (op: string, filter: Record<string, unknown>, update: unknown): ChangeAudience => {
    if (!hidden || !filterRequires(filter, hidden.path, hidden.value)) return 'public';
    if (DELETES.has(op)) return 'private';
    return UPDATES.has(op) && updateKeeps(update, hidden.path, hidden.value) ? 'private' : 'public';
  };
  declareTopic(topic);

  schema.post(QUERY_WRITES, { document: false, query: true }, function (this: mongoose.Query<unknown, unknown>, res: unknown) {
    const op = (this as { op?: string }).op ?? '';
    const update = this.getUpdate();
    if (UPDATES.has(op)) {
      // Mongoose adds `updatedAt` to every update of a timestamped model: it is not a reason by itself.
      const paths = pathsOfUpdate(update);
      paths?.delete('updatedAt');
      if (!touchesPublic(paths)) return;
    }
    // The filter's `_id` names every document the write can have touched (other conditions only narrow
    // it); a findOneAnd* without one returns the document it changed.
    const filter = this.getFilter();
    let ids = idsOfCondition(filter._id);
    if (!ids && res && typeof res === 'object' && '_id' in res) ids = idsOfCondition((res as { _id: unknown })._id);
    announceChange(topic, ids, 'local', queryAudience(op, filter, update));
  });

  // A save is judged before it is made (afterwards nothing is "modified" any more) and announced after.
  schema.pre('save', function (this: mongoose.Document) {
    const visible = this.isNew ? insertedIsPublic(this.toObject()) : touchesPublic(this.modifiedPaths().map((p) => p.split('.')[0]!).filter((p) => p !== 'updatedAt'));
    this.$locals.announce = visible;
    // Only an insert can be judged private here: a save of a loaded document writes by `_id` alone.
    this.$locals.audience = this.isNew ? insertedAudience([this.toObject()]) : 'public';
  });
  schema.post('save', function (this: mongoose.Document) {
    if (this.$locals.announce) announceChange(topic, idsOfCondition(this._id), 'local', this.$locals.audience as ChangeAudience);
  });
  schema.post('deleteOne', { document: true, query: false }, function (this: mongoose.Document) {
    announceChange(topic, idsOfCondition(this._id));
  });
  schema.post('updateOne', { document: true, query: false }, function (this: mongoose.Document) {
    announceChange(topic, idsOfCondition(this._id));
  });

  schema.post('insertMany', (docs: unknown) => {
    // With `rawResult` the documents are not handed back: anything may have been inserted.
    if (!Array.isArray(docs)) return announceChange(topic, null);
    const visible = docs.filter((d) => d && insertedIsPublic(typeof d.toObject === 'function' ? d.toObject() : d));
    if (visible.length === 0) return;
    const ids = visible.map((d: { _id?: unknown }) => idsOfCondition(d._id));
    const audience = insertedAudience(visible.map((d) => (typeof d.toObject === 'function' ? d.toObject() : d)));
    announceChange(topic, ids.every((i) => i !== null) ? ids.flat() : null, 'local', audience);
  });
  schema.post('bulkWrite', (result: unknown) => {
    if (!changedNothing(result)) announceChange(topic, null);
  });
}
