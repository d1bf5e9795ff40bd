// npm run migrate [-- --status]: applies pending database migrations, or lists them.
import { migrate, migrationStatus } from '../schema/migrate.js';
import { migrations } from '../schema/migrations/index.js';
import { configuredStorage } from '../media/storage-choice.js';
import { runCli } from './run.js';

await runCli(async ({ config, logger }) => {
  if (process.argv.includes('--status')) {
    for (const m of await migrationStatus()) {
      console.log(`${m.appliedAt ? m.appliedAt.toISOString() : 'pending'.padEnd(24)}  ${m.name}  ${m.description}`);
    }
    return;
  }
  const applied = await migrate(logger, migrations, { storage: configuredStorage(config) });
  console.log(applied.length ? `Applied ${applied.length} migration(s): ${applied.join(', ')}` : 'Database is up to date.');
});
