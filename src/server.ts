// Entry point: config -> database -> listen, and a graceful shutdown on SIGTERM/SIGINT: stop accepting,
// finish requests in flight, close the database, stop the embedded engine.
import type { Server } from 'node:http';
import { createApp } from './app.js';
import { ConfigError, loadConfig, loadDotEnv } from './config.js';
import { connectDatabase, type Database } from './db/connect.js';
import { migrate } from './db/migrate.js';
import { closeGracefully } from './http/shutdown.js';
import { createLogger } from './logger.js';
import { warmPostsSnapshots } from './posts/posts-snapshot.js';

const SHUTDOWN_GRACE_MS = 10_000;

async function main(): Promise<void> {
  loadDotEnv();
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`Quire cannot start: ${err.message}`);
      process.exit(1);
    }
    throw err;
  }
  const logger = createLogger(config);
  let db: Database;
  try {
    db = await connectDatabase(config, logger);
  } catch (err) {
    logger.fatal((err as Error).message);
    process.exit(1);
  }

  await migrate(logger);
  const app = createApp({ config, logger });
  const server: Server = app.listen(config.port, () => {
    logger.info(`Quire is running at ${config.siteUrl} (port ${config.port}, ${config.env}, database: ${db.engine}, Node ${process.version})`);
  });
  // The reading and search indexes, built now from one scan of the posts rather than on the first
  // visitors' requests (which wait for this build instead of starting their own).
  warmPostsSnapshots().then(
    ({ posts, ms }) => logger.info(`Reading indexes ready: ${posts} posts in ${ms} ms`),
    (err: unknown) => logger.warn({ err }, 'Reading indexes not built at start-up; the first reader builds them'),
  );
  server.on('error', async (err) => {
    logger.fatal({ err }, 'could not listen');
    await db.close();
    process.exit(1);
  });

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info(`${signal} received: finishing requests in flight, then stopping`);
    await closeGracefully(server, () => db.close(), SHUTDOWN_GRACE_MS);
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

void main();
