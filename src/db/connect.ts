// Finds the database (MONGODB_URI, else the embedded engine) and connects Mongoose to it.
import mongoose from 'mongoose';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { startEmbedded } from './embedded.js';

export interface Database {
  engine: 'external' | 'mongod' | 'ferretdb';
  uri: string;
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
    logger.info(`Database: ${redactUri(config.mongodbUri)} (MONGODB_URI)`);
    return { engine: 'external', uri: config.mongodbUri, close: () => mongoose.disconnect() };
  }
  const embedded = await startEmbedded({ dataDir: config.dataDir, ferretdbBin: config.ferretdbBin, logger });
  try {
    await mongoose.connect(embedded.uri, { ...connectOptions(), dbName: 'quire' });
  } catch (err) {
    await embedded.stop();
    throw err;
  }
  return {
    engine: embedded.engine,
    uri: embedded.uri,
    dataPath: embedded.dataPath,
    close: async () => {
      await mongoose.disconnect();
      await embedded.stop();
    },
  };
}

export function connectOptions(): mongoose.ConnectOptions {
  return { serverSelectionTimeoutMS: 10_000, autoIndex: true };
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
