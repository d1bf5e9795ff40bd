// Per worker: a database of its own on the shared server, kept for the worker's life and emptied (every
// document removed, collections and indexes kept) before each test file. Dropping and building it again
// for every file cost each file a second or two of FerretDB creating tables and indexes; a file that
// drops the database itself gets its collections and indexes built again here (Mongoose forgets that a
// model was initialised when its database is dropped or its connection closed). Importing the app
// registers every model, so their indexes exist before the first test (unique rules need them).
// Test files share worker processes (vitest.config.ts: isolate off), so each file starts by forgetting
// what modules kept of the previous file's database, as a process would on a database it has never seen:
// every topic of the change bus is announced as "anything may have changed" (every cache subscribes to
// it), and the setup state is asked again.
import { randomBytes } from 'node:crypto';
import mongoose from 'mongoose';
import { beforeAll, inject } from 'vitest';
import '../src/app.js';
import { forgetSetupState } from '../src/auth/setup-state.js';
import { announceChange, declaredTopics } from '../src/db/changes.js';
import { loadConfig } from '../src/config.js';
import { useConfiguredHashCost } from '../src/users/password.js';
import { detectEngine } from '../src/db/engine.js';
import { readModelFor, useReadModel } from '../src/posts/read-model-choice.js';

// The OWASP cost (~0.6 s a hash) would make the suite take minutes: vitest.config.ts sets
// PASSWORD_HASH_LOG2N for this process and the server processes tests start, and it is read here as the
// server reads it. password.test.ts checks the real cost, config.test.ts that it is the default.
useConfiguredHashCost(loadConfig({ PASSWORD_HASH_LOG2N: process.env.PASSWORD_HASH_LOG2N, JWT_SECRET: randomBytes(32).toString('hex') }).passwordHashLog2N);

/** This worker's database: the run's id (two runs may share a MONGODB_URI) and the worker's slot. */
export const testDbName = `quire_test_${inject('testRunId')}_${process.env.VITEST_POOL_ID ?? '1'}`;

/**
 * Removes every document the previous test file of this worker left, keeping collections and indexes.
 * FerretDB on SQLite can be left listing a collection whose table is gone ("no such table") when a file
 * dropped its database while the app still wrote to it (measured once in a full run: every later file
 * of that worker then failed here). The database is dropped then, and the models build it again below.
 */
async function emptyDatabase(): Promise<void> {
  const db = mongoose.connection.db!;
  try {
    const collections = await db.listCollections({}, { nameOnly: true }).toArray();
    await Promise.all(collections.map(({ name }) => db.collection(name).deleteMany({})));
  } catch (err) {
    if (!(err instanceof mongoose.mongo.MongoServerError)) throw err;
    console.warn(`[test] ${testDbName} could not be emptied (${err.message.slice(-120)}): dropping it`);
    await mongoose.connection.dropDatabase();
  }
}

beforeAll(async () => {
  forgetSetupState();
  for (const topic of declaredTopics()) announceChange(topic, null, 'remote');
  if (mongoose.connection.readyState === 1 && mongoose.connection.name === testDbName) await emptyDatabase();
  else {
    if (mongoose.connection.readyState !== 0) await mongoose.disconnect();
    await mongoose.connect(inject('mongoUri'), { dbName: testDbName, serverSelectionTimeoutMS: 10_000 });
    await emptyDatabase();
  }
  // At once unless this is the worker's first file or the last one dropped the database.
  await Promise.all(mongoose.modelNames().map((name) => mongoose.model(name).init()));
  // The read model the server would choose on this engine (in-memory on FerretDB, queries elsewhere).
  useReadModel(readModelFor((await detectEngine(mongoose.connection)).indexedQueries));
});
