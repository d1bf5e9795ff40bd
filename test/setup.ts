// Per test file: a database of its own on the shared server, dropped when the file is done. Importing the
// app registers every model, so their indexes exist before the first test (unique rules need them).
// Test files share worker processes (vitest.config.ts: isolate off), so each file starts by forgetting
// what modules kept of the previous file's database, as a process would on a database it has never seen:
// every topic of the change bus is announced as "anything may have changed" (every cache subscribes to
// it), and the setup state is asked again.
import { randomBytes } from 'node:crypto';
import mongoose from 'mongoose';
import { afterAll, beforeAll, inject } from 'vitest';
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

export const testDbName = `quire_test_${randomBytes(5).toString('hex')}`;

beforeAll(async () => {
  forgetSetupState();
  for (const topic of declaredTopics()) announceChange(topic, null, 'remote');
  await mongoose.connect(inject('mongoUri'), { dbName: testDbName, serverSelectionTimeoutMS: 10_000 });
  await Promise.all(mongoose.modelNames().map((name) => mongoose.model(name).init()));
  // The read model the server would choose on this engine (in-memory on FerretDB, queries elsewhere).
  useReadModel(readModelFor((await detectEngine(mongoose.connection)).indexedQueries));
});

afterAll(async () => {
  if (mongoose.connection.readyState === 1) await mongoose.connection.dropDatabase();
  await mongoose.disconnect();
});
