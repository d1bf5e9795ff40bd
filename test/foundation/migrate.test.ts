import mongoose from 'mongoose';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { migrate, migrationStatus, type Migration } from '../../src/schema/migrate.js';
import { migrations } from '../../src/schema/migrations/index.js';

const logger = pino({ level: 'silent' });

describe('migrations', () => {
  it('applies each pending migration once, in order, and records it', async () => {
    const first = await migrate(logger);
    expect(first).toEqual(migrations.map((m) => m.name));
    expect(await migrate(logger)).toEqual([]);
    const status = await migrationStatus();
    expect(status.every((m) => m.appliedAt instanceof Date)).toBe(true);
    const settings = await mongoose.connection.collection('settings').findOne({ _id: 'site' as never });
    expect(settings?.title).toBe('Quire');
    const userIndexes = await mongoose.connection.collection('users').indexes();
    expect(userIndexes.some((i) => i.unique && i.key.email === 1)).toBe(true);
  });

  it('runs new migrations after the applied ones and refuses duplicate names', async () => {
    const ran: string[] = [];
    const extra: Migration = { name: '9999-test', description: 'test step', up: async () => void ran.push('9999-test') };
    expect(await migrate(logger, [...migrations, extra])).toEqual(['9999-test']);
    expect(ran).toEqual(['9999-test']);
    await expect(migrate(logger, [extra, extra])).rejects.toThrow(/Duplicate/);
  });
});
