// Entry point: config -> database -> listen, and a graceful shutdown on SIGTERM/SIGINT: stop accepting,
// finish requests in flight, close the database, stop the embedded engine.
//
// With WEB_CONCURRENCY=N (N > 1) this process is the primary of a node:cluster: it finds the database
// (starting the embedded engine once, for all), applies migrations, and runs N workers that share the
// port and the database, restarting any that dies. Workers learn of each other's writes through the
// change feed (src/site/change-feed.ts), as separately started servers on one MONGODB_URI do.
import cluster, { type Worker } from 'node:cluster';
import type { Server } from 'node:http';
import { join } from 'node:path';
import mongoose from 'mongoose';
import { createApp } from './app.js';
import { deriveKeys } from './auth/keys.js';
import { resealTwoFactorSecrets } from './auth/two-factor.service.js';
import { ConfigError, ensureDevelopmentSecret, loadConfig, loadDotEnv, type Config } from './config.js';
import { connectDatabase, type Database } from './db/connect.js';
import { migrate } from './schema/migrate.js';
import { migrations } from './schema/migrations/index.js';
import { closeGracefully } from './http/shutdown.js';
import { createLogger, type Logger } from './logger.js';
import { configuredStorage } from './media/storage-choice.js';
import { readModelFor, useReadModel } from './posts/read-model-choice.js';
import { indexFilePath, keepIndexFile } from './posts/posts-snapshot.js';
import { keepSearchTextIn } from './posts/search-index.js';
import { startChangeFeed } from './shared-signals.js';
import { useConfiguredHashCost } from './users/password.js';

const SHUTDOWN_GRACE_MS = 10_000;
/** A worker dying more often than this within a minute means something is wrong: stop, do not loop. */
const MAX_WORKER_RESTARTS_PER_MINUTE = 10;

async function main(): Promise<void> {
  loadDotEnv();
  let config: Config;
  try {
    ensureDevelopmentSecret();
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`Quire cannot start: ${err.message}`);
      process.exit(1);
    }
    throw err;
  }
  const logger = createLogger(config);
  useConfiguredHashCost(config.passwordHashLog2N);
  if (config.webConcurrency > 1 && cluster.isPrimary) await runPrimary(config, logger);
  else await runServer(config, logger);
}

async function openDatabase(config: Config, logger: Logger): Promise<Database> {
  try {
    return await connectDatabase(config, logger);
  } catch (err) {
    logger.fatal((err as Error).message);
    process.exit(1);
  }
}

/** One server process: the only one, or a worker of the primary below. */
async function runServer(config: Config, logger: Logger): Promise<void> {
  const db = await openDatabase(config, logger);
  // One storage for the migrations (which may move media files) and the app.
  const storage = configuredStorage(config);
  // In a cluster the primary has applied them already.
  if (cluster.isPrimary) {
    await migrate(logger, migrations, { storage });
    await resealAfterRotation(config, logger);
  }
  const feed = await startChangeFeed(logger);
  const model = useReadModel(config.readModel ?? readModelFor(db.facts.indexedQueries));
  if (cluster.isPrimary || cluster.worker?.id === 1) {
    const why = config.readModel ? 'READ_MODEL' : db.facts.indexedQueries ? 'the engine answers indexed queries' : 'the engine reads whole tables for most queries';
    logger.info(`Posts read model: ${model.kind} (${why})`);
  }
  const app = createApp({ config, logger, storage });
  // app.listen's request listener is the app itself: stored pages are answered there, before Express
  // (PageCache.inFrontOf in http/page-cache.ts), everything else goes through Express.
  const server: Server = app.listen(config.port, () => {
    const who = cluster.isWorker ? `worker ${cluster.worker?.id} (pid ${process.pid})` : `Quire is running at ${config.siteUrl}`;
    logger.info(`${who} (port ${config.port}, ${config.env}, database: ${db.engine}, Node ${process.version})`);
  });
  // The reading and search indexes, built now from one scan of the posts rather than on the first
  // visitors' requests (which wait for this build instead of starting their own), or read from the file
  // the last scan saved in DATA_DIR (posts-snapshot.ts).
  if (model.kind === 'memory') keepIndexFile({ path: indexFilePath(config.dataDir, mongoose.connection.name), stamp: () => feed.stamp('posts') });
  // The search index's text goes to a file there (unnamed: unlinked once opened), out of the process's memory.
  keepSearchTextIn(join(config.dataDir, 'read-index'));
  model.warm().then(
    ({ posts, ms, file }) =>
      model.kind === 'memory' && logger.info(`Reading indexes ready: ${posts} posts in ${ms} ms${file ? ` from the index file (${file === 'fresh' ? 'current' : 'behind the database: rescanning in the background'})` : ''}`),
    (err: unknown) => logger.warn({ err }, 'Reading indexes not built at start-up; the first reader builds them'),
  );
  server.on('error', async (err) => {
    logger.fatal({ err }, 'could not listen');
    await db.close();
    process.exit(1);
  });

  onStopSignal(logger, async () => {
    await closeGracefully(server, async () => {
      await feed.stop();
      await db.close();
    }, SHUTDOWN_GRACE_MS);
  });
}

/** With JWT_SECRET_PREVIOUS set: stored TOTP secrets move to the current key (auth/keys.ts), once per start. */
async function resealAfterRotation(config: Config, logger: Logger): Promise<void> {
  if (!config.previousJwtSecret) return;
  const { resealed, unreadable } = await resealTwoFactorSecrets(deriveKeys(config.jwtSecret, config.previousJwtSecret).twoFactor);
  logger.info(
    `JWT_SECRET_PREVIOUS is set: ${resealed} two-factor secret${resealed === 1 ? '' : 's'} sealed again under JWT_SECRET` +
      (unreadable ? `; ${unreadable} open with neither (those accounts need a recovery code or an admin's reset)` : '') +
      '. Remove JWT_SECRET_PREVIOUS once every process runs with the new JWT_SECRET.',
  );
}

/** The cluster's primary: one database for all, N workers, restarted when they die. */
async function runPrimary(config: Config, logger: Logger): Promise<void> {
  const db = await openDatabase(config, logger);
  if (!db.facts.atomicWrites) {
    // Without atomic single-document writes, only the writes one process queues for itself are safe.
    logger.fatal(`WEB_CONCURRENCY=${config.webConcurrency} needs an engine with atomic writes; ${db.facts.description} has none. Run one process (WEB_CONCURRENCY=1), or use MongoDB or the embedded engine.`);
    await db.close();
    process.exit(1);
  }
  await migrate(logger, migrations, { storage: configuredStorage(config) });
  await resealAfterRotation(config, logger);
  // Workers connect on their own; the primary keeps only the embedded engine (if any) running.
  await mongoose.disconnect();
  const env = config.mongodbUri ? {} : { MONGODB_URI: `${db.uri.replace(/\/?$/, '/')}quire` };
  let stopping = false;
  const restarts: number[] = [];

  const fork = (): Worker => cluster.fork(env);
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    const now = Date.now();
    restarts.push(now);
    while (restarts.length && restarts[0]! < now - 60_000) restarts.shift();
    if (restarts.length > MAX_WORKER_RESTARTS_PER_MINUTE) {
      logger.fatal(`Workers keep dying (${restarts.length} in a minute, last: ${signal ?? `exit code ${code}`}); stopping.`);
      void stopAll(1);
      return;
    }
    logger.warn(`worker ${worker.id} (pid ${worker.process.pid}) died (${signal ?? `exit code ${code}`}); starting another`);
    fork();
  });
  logger.info(`Quire is running at ${config.siteUrl} with ${config.webConcurrency} workers (primary pid ${process.pid}, database: ${db.engine})`);
  for (let i = 0; i < config.webConcurrency; i++) fork();

  const stopAll = async (exitCode: number) => {
    stopping = true;
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => !!w);
    await Promise.all(
      workers.map(
        (worker) =>
          new Promise<void>((resolve) => {
            if (worker.isDead()) return resolve();
            const force = setTimeout(() => worker.process.kill('SIGKILL'), SHUTDOWN_GRACE_MS + 2_000);
            worker.once('exit', () => {
              clearTimeout(force);
              resolve();
            });
            worker.process.kill('SIGTERM');
          }),
      ),
    );
    await db.close();
    process.exit(exitCode);
  };
  onStopSignal(logger, () => stopAll(0));
}

function onStopSignal(logger: Logger, stop: () => Promise<void>): void {
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info(`${signal} received: finishing requests in flight, then stopping`);
    await stop();
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

void main();
