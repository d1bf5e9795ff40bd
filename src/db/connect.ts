// Finds the database (MONGODB_URI, else the embedded engine) and connects Mongoose to it.
import mongoose from 'mongoose';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { startEmbedded } from './embedded.js';
import { detectEngine, type EngineFacts } from './engine.js';

export interface Database {
  engine: 'external' | 'mongod' | 'ferretdb';
  uri: string;
  /** What the server is and whether its single-document writes are atomic (engine.ts). */
  facts: EngineFacts;
  /** Where an embedded engine keeps its files. */
  dataPath?: string | undefined;
  /** Disconnects Mongoose and stops an embedded engine. */
  close(): Promise<void>;
}

// Query values from requests are validated by zod at the edge; sanitizeFilter is the second wall, turning
// any `{ $gt: '' }` that slips into a filter into a literal `$eq` match. Our own operators use
// mongoose.trusted(). strictQuery drops filter paths that are not in the schema.
mongoose.set('sanitizeFilter', true);
mongoose.set('strictQuery', true);

export async function connectDatabase(
  config: Pick<Config, 'mongodbUri' | 'dataDir' | 'ferretdbBin'>,
  logger: Logger,
): Promise<Database> {
  if (config.mongodbUri) {
    await mongoose.connect(config.mongodbUri, connectOptions());
    const facts = await describeEngine(logger);
    logger.info(`Database: ${redactUri(config.mongodbUri)} (MONGODB_URI)`);
    return { engine: 'external', uri: config.mongodbUri, facts, close: () => mongoose.disconnect() };
  }
  const embedded = await startEmbedded({ dataDir: config.dataDir, ferretdbBin: config.ferretdbBin, logger });
  let facts: EngineFacts;
  try {
    await mongoose.connect(embedded.uri, { ...connectOptions(), dbName: 'quire' });
    facts = await describeEngine(logger);
  } catch (err) {
    await mongoose.disconnect();
    await embedded.stop();
    throw err;
  }
  return {
    engine: embedded.engine,
    uri: embedded.uri,
    dataPath: embedded.dataPath,
    facts,
    close: async () => {
      await mongoose.disconnect();
      await embedded.stop();
    },
  };
}

/** Logs once what the database is and what it guarantees; a warning where one process is the limit. */
async function describeEngine(logger: Logger): Promise<EngineFacts> {
  const facts = await detectEngine(mongoose.connection);
  if (facts.atomicWrites) {
    logger.info(`Database engine: ${facts.description}; single-document writes are atomic`);
  } else {
    logger.warn(
      `Database engine: ${facts.description}, whose updates are not atomic (concurrent $inc/$push and conditional ` +
        'updates can be lost). Quire queues its post and comment writes in-process, so run ONE Quire process on ' +
        "this database; use MongoDB, or leave MONGODB_URI unset for Quire's own FerretDB build, to run more.",
    );
  }
  return facts;
}

// When the database stops answering, a request should fail within a few seconds (503, Retry-After: see
// db/outage.ts) rather than wait the driver's default 30 s, or Mongoose's 10 s of buffering while it is
// disconnected. A restarted engine is found again by the driver's monitoring within a second or so.
export const SERVER_SELECTION_TIMEOUT_MS = 2_500;
mongoose.set('bufferTimeoutMS', SERVER_SELECTION_TIMEOUT_MS);

// autoIndex is left to Mongoose's global setting (on by default): the index migration builds every index
// anyway, and a test turns it off to prove that (test/db/model-indexes.test.ts).
export function connectOptions(): mongoose.ConnectOptions {
  return { serverSelectionTimeoutMS: SERVER_SELECTION_TIMEOUT_MS };
}

/** Pings the database; false when it does not answer within the timeout. */
export async function pingDatabase(timeoutMs = 1500): Promise<boolean> {
  const db = mongoose.connection.db;
  if (mongoose.connection.readyState !== 1 || !db) return false;
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<false>((r) => (timer = setTimeout(() => r(false), timeoutMs)));
    const ping = db.admin().ping().then(() => true as const);
    return await Promise.race([ping, timeout]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

function redactUri(uri: string): string {
  return uri.replace(/\/\/([^@/]*)@/, '//***@');
}
