// One database server for the whole run, found the way Quire finds it: MONGODB_URI when set, otherwise
// the embedded engine (mongod, else FerretDB) in a throw-away data folder. Or, with
// QUIRE_TEST_ENGINE=mongo-java-server (npm run test:mongo-semantics), a stand-in with MongoDB's semantics.
// And dist/ brought up to date, as `npm start` does: the tests that start Quire processes start the
// compiled server (test/support/processes.ts), which loads in about half the CPU time of tsx's hooks.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mongoose from 'mongoose';
import { pino } from 'pino';
import type { TestProject } from 'vitest/node';
import { startEmbedded } from '../src/db/embedded.js';
import { MONGO_JAVA_SERVER, startMongoJavaServer } from './engines/mongo-java-server.js';
import { scratchDir } from './support/scratch.js';

declare module 'vitest' {
  export interface ProvidedContext {
    mongoUri: string;
    dbEngine: string;
    /** Names this run's databases (test/setup.ts: one per worker), apart from another run's on the same server. */
    testRunId: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  execFileSync(process.execPath, ['scripts/build.mjs', '--quiet'], { stdio: 'inherit' });
  const runId = randomBytes(4).toString('hex');
  project.provide('testRunId', runId);
  // Every app a test makes has a DATA_DIR and an UPLOAD_DIR of its own (support/app.ts: two folders per
  // app, hundreds a run), and many tests make folders of their own: all go in this run's temp folder (the
  // workers and the processes they start inherit TMPDIR, which os.tmpdir() reads), removed when the run
  // ends, so a run leaves nothing behind and two runs at once never share a folder.
  const tempDir = mkdtempSync(join(tmpdir(), 'quire-test-run-'));
  process.env.TMPDIR = tempDir;
  const removeTempDir = () => rmSync(tempDir, { recursive: true, force: true });
  const external = process.env.MONGODB_URI;
  if (external) {
    project.provide('mongoUri', external);
    project.provide('dbEngine', 'external');
    // The workers' databases outlive their files (test/setup.ts): dropped here, on a server that stays.
    return async () => {
      const conn = await mongoose.createConnection(external).asPromise();
      try {
        const { databases } = await conn.db!.admin().listDatabases({ nameOnly: true });
        for (const { name } of databases) if (name.startsWith(`quire_test_${runId}_`)) await conn.useDb(name).dropDatabase();
      } finally {
        await conn.close();
        removeTempDir();
      }
    };
  }
  const chosen = process.env.QUIRE_TEST_ENGINE || 'embedded';
  if (chosen === MONGO_JAVA_SERVER) {
    const server = await startMongoJavaServer(pino({ level: 'warn' }));
    process.stderr.write(`[test] database: ${server.engine} at ${server.uri}\n`);
    project.provide('mongoUri', server.uri);
    project.provide('dbEngine', server.engine);
    return async () => {
      await server.stop();
      removeTempDir();
    };
  }
  if (chosen !== 'embedded') {
    throw new Error(`QUIRE_TEST_ENGINE=${chosen}: expected embedded (the default) or ${MONGO_JAVA_SERVER}`);
  }
  // In memory where the machine allows (support/scratch.ts): FerretDB syncs every write to disk.
  const dataDir = scratchDir('quire-test-db-');
  const db = await startEmbedded({
    dataDir,
    ferretdbBin: process.env.FERRETDB_BIN || undefined,
    logger: pino({ level: 'warn' }),
  });
  process.stderr.write(`[test] database: ${db.engine} at ${db.uri}\n`);
  project.provide('mongoUri', db.uri);
  project.provide('dbEngine', db.engine);
  return async () => {
    await db.stop();
    rmSync(dataDir, { recursive: true, force: true });
    removeTempDir();
  };
}
