// Which read model this process uses (read-model.ts): chosen once at start from the database it runs on,
// or READ_MODEL, and logged. `memory` until then, which every engine can answer.
import type { Types } from 'mongoose';
import { memoryReadModel } from './memory-read-model.js';
import type { PostDoc } from './post.model.js';
import { queryReadModel } from './query-read-model.js';
import { READ_FIELDS, type PostReadModel, type ReadDoc, type ReadModelKind } from './read-model.js';

const MODELS: Record<ReadModelKind, PostReadModel> = { memory: memoryReadModel, query: queryReadModel };

let current: PostReadModel = memoryReadModel;

/** The read model every reading and listing service asks. */
export function readModel(): PostReadModel {
  return current;
}

export function useReadModel(kind: ReadModelKind): PostReadModel {
  current = MODELS[kind];
  return current;
}

/**
 * What suits an engine: indexed queries where the engine serves them from indexes, the in-memory model
 * where every query but one by _id reads the whole table (FerretDB 1.24).
 */
export function readModelFor(indexedQueries: boolean): ReadModelKind {
  return indexedQueries ? 'query' : 'memory';
}

const readable = new Set(READ_FIELDS.split(' '));

/** The public ones among these posts, in the order given (a list may be a moment behind: re-check). */
export async function publicPostsByIds<T extends Pick<PostDoc, '_id' | 'status' | 'publishedAt'>>(
  ids: Array<Types.ObjectId | string>,
  fields: string,
  now = new Date(),
): Promise<T[]> {
  for (const field of fields.split(/\s+/)) {
    if (field && !readable.has(field)) throw new Error(`publicPostsByIds: ${field} is not one of the fields readers see`);
  }
  const docs = await Promise.all(ids.map((id) => current.post(id)));
  return docs.filter((d): d is ReadDoc => d !== null && d.status === 'published' && !!d.publishedAt && d.publishedAt <= now) as unknown as T[];
}
