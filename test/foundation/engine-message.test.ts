// The embedded engine says once, at info, which engine it started and why, with no alarming line about
// the engine it did not start (on machines without MongoDB's download host that is every start).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, expect, it } from 'vitest';
import { startEmbedded } from '../../src/db/embedded.js';

const dataDir = mkdtempSync(join(tmpdir(), 'quire-engine-message-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

it('logs one info line naming the engine, where its data lives and why it was chosen', async () => {
  const records: { level: number; msg: string }[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) records.push(JSON.parse(line) as { level: number; msg: string });
      done();
    },
  });
  const db = await startEmbedded({ dataDir, logger: pino({ level: 'info' }, sink) });
  try {
    const info = records.filter((r) => r.level >= 30);
    expect(info).toHaveLength(1);
    if (db.engine === 'ferretdb') {
      expect(info[0]!.msg).toMatch(/^Database: embedded FerretDB v[\d.]+ on SQLite, data in .+ \(mongod unavailable: .+\)$/);
    } else {
      expect(info[0]!.msg).toMatch(/^Database: embedded mongod \(mongodb-memory-server\), data in /);
    }
    expect(info[0]!.msg).toContain(db.dataPath);
  } finally {
    await db.stop();
  }
});
