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
import mongoose from 'mongoose';
import { announceChange, declareTopic } from './changes.js';

export interface AnnounceOptions {
  /** The change topic of this model's writes. */
  topic: string;
  /** Top-level fields whose change is visible somewhere; every field when absent. */
  publicPaths?: readonly string[];
  /** Whether a newly inserted document is visible; always when absent. */
  publicWhenInserted?: (doc: Record<string, unknown>) => boolean;
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

export function announceWrites(schema: mongoose.Schema, options: AnnounceOptions): void {
  const { topic } = options;
  const publicPaths = options.publicPaths ? new Set(options.publicPaths) : null;
  const touchesPublic = (paths: Iterable<string> | null) => {
    if (!publicPaths || paths === null) return true;
    for (const path of paths) if (publicPaths.has(path)) return true;
    return false;
  };
  const insertedIsPublic = (doc: unknown) => !options.publicWhenInserted || options.publicWhenInserted(doc as Record<string, unknown>);
  declareTopic(topic);

  schema.post(QUERY_WRITES, { document: false, query: true }, function (this: mongoose.Query<unknown, unknown>, res: unknown) {
    if (UPDATES.has((this as { op?: string }).op ?? '')) {
      const update = this.getUpdate();
      // Mongoose adds `updatedAt` to every update of a timestamped model: it is not a reason by itself.
      const paths = pathsOfUpdate(update);
      paths?.delete('updatedAt');
      if (!touchesPublic(paths)) return;
    }
    // The filter's `_id` names every document the write can have touched (other conditions only narrow
    // it); a findOneAnd* without one returns the document it changed.
    let ids = idsOfCondition(this.getFilter()._id);
    if (!ids && res && typeof res === 'object' && '_id' in res) ids = idsOfCondition((res as { _id: unknown })._id);
    announceChange(topic, ids);
  });

  // A save is judged before it is made (afterwards nothing is "modified" any more) and announced after.
  schema.pre('save', function (this: mongoose.Document) {
    const visible = this.isNew ? insertedIsPublic(this.toObject()) : touchesPublic(this.modifiedPaths().map((p) => p.split('.')[0]!).filter((p) => p !== 'updatedAt'));
    this.$locals.announce = visible;
  });
  schema.post('save', function (this: mongoose.Document) {
    if (this.$locals.announce) announceChange(topic, idsOfCondition(this._id));
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
    announceChange(topic, ids.every((i) => i !== null) ? ids.flat() : null);
  });
  schema.post('bulkWrite', () => announceChange(topic, null));
}
