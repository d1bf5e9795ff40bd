// What every command-line tool shares: configuration, a logger and the database, opened and closed
// around the tool's work, with errors printed as one line and a non-zero exit.
import '../db/models.js';
import { loadConfig, loadDotEnv, type Config } from '../config.js';
import { connectDatabase } from '../db/connect.js';
import { createLogger, type Logger } from '../logger.js';

export async function runCli(work: (ctx: { config: Config; logger: Logger }) => Promise<void>): Promise<void> {
  loadDotEnv();
  let closeDb: (() => Promise<void>) | undefined;
  try {
    const config = loadConfig();
    const logger = createLogger({ ...config, logLevel: config.logLevel === 'info' ? 'warn' : config.logLevel });
    const db = await connectDatabase(config, logger);
    closeDb = () => db.close();
    await work({ config, logger });
  } catch (err) {
    console.error(`Error: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  } finally {
    await closeDb?.();
  }
}
