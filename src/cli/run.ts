// What every command-line tool shares: configuration, a logger and the database, opened and closed
// around the tool's work, with errors printed as one line and a non-zero exit. Its changes are published
// on the change feed, so servers running on the same database show them within a second, and purged from
// the CDN (when one is configured) once the tool is done.
import '../schema/models.js';
import '../wiring.js';
import { ensureDevelopmentSecret, loadConfig, loadDotEnv, type Config } from '../config.js';
import { connectDatabase } from '../db/connect.js';
import { createLogger, type Logger } from '../logger.js';
import type { EngineFacts } from '../db/engine.js';
import type { ChangeFeed } from '../site/change-feed.js';
import { cdnPurgerFor, purgeOnceWhenDone } from '../site/cdn-purge.js';
import { startChangeFeed } from '../shared-signals.js';
import { useConfiguredHashCost } from '../users/password.js';

export async function runCli(work: (ctx: { config: Config; logger: Logger; feed: ChangeFeed; facts: EngineFacts }) => Promise<void>): Promise<void> {
  loadDotEnv();
  let closeDb: (() => Promise<void>) | undefined;
  let purge: (() => Promise<void>) | undefined;
  try {
    ensureDevelopmentSecret();
    const config = loadConfig();
    useConfiguredHashCost(config.passwordHashLog2N);
    const logger = createLogger({ ...config, logLevel: config.logLevel === 'info' ? 'warn' : config.logLevel });
    const db = await connectDatabase(config, logger);
    // What a tool changes (the seed's posts, a new admin) reaches running servers on the same database.
    const feed = await startChangeFeed(logger);
    closeDb = async () => {
      await feed.stop();
      await db.close();
    };
    // A tool waits for its purge, but not for minutes: two quick retries, then the error is logged.
    const purger = cdnPurgerFor(config.cdn, logger, [1_000, 5_000]);
    purge = purger && purgeOnceWhenDone(purger);
    await work({ config, logger, feed, facts: db.facts });
  } catch (err) {
    console.error(`Error: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  } finally {
    // Even a tool that failed half-way may have written: what it wrote is purged.
    await purge?.();
    await closeDb?.();
  }
}
