// Database migrations: ordered, named steps recorded in the `migrations` collection once applied, so each
// runs exactly once per database. The server applies pending ones at start-up; `npm run migrate` applies
// them by hand (`-- --status` lists them). Steps must be idempotent: a crash mid-step reruns it.
import mongoose from 'mongoose';
import type { Logger } from '../logger.js';
import type { Storage } from '../media/storage.js';
import { migrations } from './migrations/index.js';

export interface Migration {
  /** Sortable, unique, never renamed: `0001-initial-indexes`. */
  name: string;
  description: string;
  up(db: mongoose.Connection, context: MigrationContext): Promise<void>;
}

/** What steps may need besides the database: the media storage (steps that move files say so if absent). */
export interface MigrationContext {
  storage?: Storage | undefined;
  logger?: Logger | undefined;
}

const Applied = mongoose.model(
  'Migration',
  new mongoose.Schema({ _id: String, appliedAt: { type: Date, required: true } }, { collection: 'migrations', versionKey: false }),
  undefined,
  { overwriteModels: true },
);

export interface MigrationStatus {
  name: string;
  description: string;
  appliedAt: Date | undefined;
}

export async function migrationStatus(list: Migration[] = migrations): Promise<MigrationStatus[]> {
  const applied = new Map((await Applied.find().lean()).map((m) => [m._id, m.appliedAt]));
  return list.map((m) => ({ name: m.name, description: m.description, appliedAt: applied.get(m.name) }));
}

/** Applies pending migrations in name order; returns the names applied. */
export async function migrate(logger: Logger, list: Migration[] = migrations, context: MigrationContext = {}): Promise<string[]> {
  const names = list.map((m) => m.name);
  if (new Set(names).size !== names.length) throw new Error('Duplicate migration names');
  const pending = (await migrationStatus(list)).filter((m) => !m.appliedAt).map((m) => m.name);
  const done: string[] = [];
  for (const migration of [...list].sort((a, b) => a.name.localeCompare(b.name))) {
    if (!pending.includes(migration.name)) continue;
    logger.info(`Migration ${migration.name}: ${migration.description}`);
    await migration.up(mongoose.connection, { logger, ...context });
    await Applied.updateOne({ _id: migration.name }, { $set: { appliedAt: new Date() } }, { upsert: true });
    done.push(migration.name);
  }
  return done;
}
