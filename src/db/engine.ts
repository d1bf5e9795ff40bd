// What the connected database engine guarantees, detected once at connect from `buildInfo`.
//
// MongoDB applies every single-document write atomically: an `$inc`, a `$push` or an update conditional on
// `{_id, version}` cannot be lost or won twice. Stock FerretDB 1.24 does not (it reads, updates in Go and
// writes back by _id without a check; measured: 200 parallel `$inc` from one process gave 30). Quire's
// own FerretDB build carries a patch that makes those write commands atomic and says so in its version
// (`v1.24.2-quire.N`, see embedded.ts). On any other FerretDB only the writes Quire queues in-process
// (serial-writes.ts) are safe, and only within one Quire process: connect.ts warns.
import type { Connection } from 'mongoose';

export interface EngineFacts {
  /** For the log: "MongoDB 7.0.2", "FerretDB v1.24.2-quire.3 (Quire's build)". */
  description: string;
  /** Single-document writes ($inc, $push, conditional updates) are atomic. */
  atomicWrites: boolean;
  /**
   * Filters and sorts on indexed fields are answered from indexes. FerretDB 1.24 pushes nothing but a lone
   * `_id` equality down to SQLite and decodes the whole collection for every other query (measured: ~8 s
   * for a sorted page or a slug lookup at 100,000 posts), so the posts read model keeps indexes in memory
   * there (src/posts/read-model.ts).
   */
  indexedQueries: boolean;
}

interface BuildInfo {
  version?: unknown;
  ferretdbVersion?: unknown;
}

/** Quire's FerretDB builds report `-quire.N` after the upstream version. */
const QUIRE_BUILD = /^v\d+\.\d+\.\d+-quire\.\d+$/;

export function engineFacts(info: BuildInfo): EngineFacts {
  const ferret = typeof info.ferretdbVersion === 'string' ? info.ferretdbVersion : undefined;
  if (ferret !== undefined) {
    const patched = QUIRE_BUILD.test(ferret);
    return { description: `FerretDB ${ferret}${patched ? " (Quire's build, atomic writes)" : ''}`, atomicWrites: patched, indexedQueries: false };
  }
  // Anything else answering the MongoDB protocol is taken at its word: MongoDB, or a stand-in with its
  // semantics (mongo-java-server).
  return { description: `MongoDB ${typeof info.version === 'string' ? info.version : '(version unknown)'}`, atomicWrites: true, indexedQueries: true };
}

/** Asks the connected server what it is. */
export async function detectEngine(connection: Connection): Promise<EngineFacts> {
  const db = connection.db;
  if (!db) throw new Error('detectEngine needs an open connection');
  return engineFacts((await db.admin().command({ buildInfo: 1 })) as BuildInfo);
}
