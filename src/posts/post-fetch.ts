// Posts fetched one by one by _id, in a given order: the lookup every engine answers from its primary
// key (FerretDB on SQLite pushes down nothing else; see post-index.ts). A page is at most a few dozen.
//
// What readers are shown is also kept in memory by id (bounded, least recently used first out): even a
// lookup by _id costs a round trip and a decoding in FerretDB (on a stock FerretDB 1.24 it reads the whole
// table: its SQLite query does not match the expression of its own _id index, about 0.5 s at 100,000
// posts; Quire's build fixes that). A write through the Post model forgets the posts it names (all of
// them when it names none), and a read that started before a write is not kept after it, so what it holds
// is never older than the last write here. Writes by another process show when the lists do
// (within a minute, longer when a scan of the posts is slow: see trustedAgeMs). Visibility is checked on
// every use, against the time of the request, so a scheduled post still appears by itself.
import type { Types } from 'mongoose';
import { POSTS_TOPIC, Post } from './post.model.js';
import { onChange } from '../db/changes.js';
import { trustedAgeMs } from './posts-snapshot.js';
import { READ_FIELDS, type ReadDoc } from './read-model.js';

const MAX_ENTRIES = 20_000;
const MAX_BYTES = 48 * 1024 * 1024;

const kept = new Map<string, { doc: ReadDoc; bytes: number; expires: number }>();
const loading = new Map<string, Promise<ReadDoc | null>>();
let keptBytes = 0;
let generation = 0;

onChange(({ ids }) => {
  generation++;
  if (ids === null) {
    kept.clear();
    loading.clear();
    keptBytes = 0;
    return;
  }
  for (const id of ids) {
    const hit = kept.get(id);
    if (hit) keptBytes -= hit.bytes;
    kept.delete(id);
    loading.delete(id);
  }
}, [POSTS_TOPIC]);

function keep(key: string, doc: ReadDoc): void {
  const bytes = 600 + doc.bodyHtml.length + JSON.stringify(doc.previousSlugs).length;
  kept.set(key, { doc, bytes, expires: Date.now() + trustedAgeMs() });
  keptBytes += bytes;
  while (kept.size > MAX_ENTRIES || keptBytes > MAX_BYTES) {
    const [oldest, entry] = kept.entries().next().value!;
    kept.delete(oldest);
    keptBytes -= entry.bytes;
  }
}

/** One post's public fields, from memory or the database (concurrent reads of one id share a query). */
export function readPost(id: Types.ObjectId | string): Promise<ReadDoc | null> {
  const key = String(id);
  const hit = kept.get(key);
  if (hit) {
    kept.delete(key);
    if (hit.expires > Date.now()) {
      kept.set(key, hit);
      return Promise.resolve(hit.doc);
    }
    keptBytes -= hit.bytes;
  }
  let pending = loading.get(key);
  if (!pending) {
    const started = generation;
    pending = Post.findById(id, READ_FIELDS)
      .lean<ReadDoc>()
      .then((doc) => {
        if (generation === started) {
          loading.delete(key);
          if (doc) keep(key, doc);
        }
        return doc;
      });
    loading.set(key, pending);
    pending.catch(() => loading.get(key) === pending && loading.delete(key));
  }
  return pending;
}
