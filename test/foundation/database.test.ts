import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mongoose from 'mongoose';
import { pino } from 'pino';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { connectDatabase } from '../../src/db/connect.js';
import { startEmbedded } from '../../src/db/embedded.js';

const logger = pino({ level: 'silent' });

describe('database resolution', () => {
  it('uses MONGODB_URI when it is set', async () => {
    const setupDb = mongoose.connection.name;
    await mongoose.disconnect();
    const uri = inject('mongoUri').replace(/\/?$/, '/') + setupDb;
    const db = await connectDatabase({ mongodbUri: uri, dataDir: '/nonexistent', ferretdbBin: undefined }, logger);
    try {
      expect(db.engine).toBe('external');
      await mongoose.connection.collection('probe').insertOne({ hello: 'world' });
      expect(await mongoose.connection.collection('probe').countDocuments()).toBe(1);
    } finally {
      await db.close();
      await mongoose.connect(inject('mongoUri'), { dbName: setupDb });
    }
  });

  describe('embedded engine', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'quire-embedded-'));
    afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

    it('starts under DATA_DIR and a second start finds the data of the first', async () => {
      const first = await startEmbedded({ dataDir, logger });
      expect(['mongod', 'ferretdb']).toContain(first.engine);
      expect(first.dataPath.startsWith(dataDir)).toBe(true);
      const conn1 = await mongoose.createConnection(first.uri, { dbName: 'quire' }).asPromise();
      await conn1.collection('notes').insertOne({ text: 'kept across restarts' });
      await conn1.close();
      await first.stop();

      const second = await startEmbedded({ dataDir, logger });
      try {
        const conn2 = await mongoose.createConnection(second.uri, { dbName: 'quire' }).asPromise();
        expect(await conn2.collection('notes').findOne({}, { projection: { _id: 0 } })).toEqual({ text: 'kept across restarts' });
        await conn2.close();
      } finally {
        await second.stop();
      }
    });

    it('fails with advice about MONGODB_URI when no engine can start', async () => {
      await expect(
        startEmbedded({ dataDir, logger, skipMongod: true, ferretdbBin: join(dataDir, 'missing-ferretdb') }),
      ).rejects.toThrow(/MONGODB_URI/);
    });
  });
});
