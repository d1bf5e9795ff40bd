// What the connected database can do that Quire's choices depend on, asked once at start.
import mongoose from 'mongoose';

export interface EngineFacts {
  /** What the server says it is: "MongoDB 8.0.4", "FerretDB v1.24.2", ... */
  name: string;
  /**
   * Whether filters and sorts on indexed fields are answered from indexes. FerretDB 1.24 pushes nothing
   * but a lone `_id` equality down to its SQL backend and decodes the whole collection for every other
   * query (measured: ~8 s for a sorted page or a slug lookup at 100,000 posts), so it answers no.
   */
  indexedQueries: boolean;
}

export async function engineFacts(): Promise<EngineFacts> {
  const db = mongoose.connection.db;
  if (!db) throw new Error('engineFacts: not connected');
  const info = (await db.admin().command({ buildInfo: 1 })) as { version?: string; ferretdbVersion?: string };
  if (info.ferretdbVersion) return { name: `FerretDB ${info.ferretdbVersion}`, indexedQueries: false };
  return { name: `MongoDB-compatible ${info.version ?? ''}`.trim(), indexedQueries: true };
}
