// What the MongoDB-semantics test engine (QUIRE_TEST_ENGINE=mongo-java-server) must guarantee for its run
// of the suite to mean anything: the single-document guarantees that the embedded FerretDB 1.24 lacks
// (issue 13's measurements), and a wire version the driver accepts. If an upgrade of the server, its
// backend or the launcher lost one of them, this file fails before the rest of the suite misleads.
import mongoose from 'mongoose';
import { describe, expect, inject, it } from 'vitest';

const onMongoJavaServer = inject('dbEngine') === 'mongo-java-server';

// Skipped on the other engines: FerretDB 1.24 loses some of these writes by design (issue 13), and what
// Quire does about that is tested through its own code paths, not here.
describe.runIf(onMongoJavaServer)('the MongoDB-semantics test engine (mongo-java-server)', () => {
  interface Probe {
    _id: number;
    n?: number;
    list?: number[];
    version?: number;
    numbers?: number[];
    sessions?: { id: string }[];
    recent?: number[];
    handle?: string;
  }
  const docs = () => mongoose.connection.collection<Probe>('engine_probe');

  // That the driver connected at all shows it accepts the wire version (it refuses older servers); this
  // checks it is the launcher's 6.0 (17), not the server's own 5.0 (reported as 8, below the minimum of
  // the driver inside Mongoose, 9).
  it('reports MongoDB 6.0, wire version 17', async () => {
    const admin = mongoose.connection.db!.admin();
    // mongo-java-server has no `hello` command; the driver's handshake uses the legacy isMaster.
    const hello = await admin.command({ isMaster: 1 });
    expect(hello.maxWireVersion).toBe(17);
    expect((await admin.command({ buildInfo: 1 })).version).toBe('6.0.0');
  });

  it('loses none of 200 parallel $inc or 80 parallel $push from one client', async () => {
    await docs().insertOne({ _id: 1, n: 0, list: [] });
    await Promise.all(Array.from({ length: 200 }, () => docs().updateOne({ _id: 1 }, { $inc: { n: 1 } })));
    await Promise.all(Array.from({ length: 80 }, (_, i) => docs().updateOne({ _id: 1 }, { $push: { list: i } })));
    const doc = await docs().findOne({ _id: 1 });
    expect(doc?.n).toBe(200);
    expect(doc?.list).toHaveLength(80);
  });

  it('lets exactly one of 8 parallel conditional updates win', async () => {
    await docs().insertOne({ _id: 2, version: 0 });
    const results = await Promise.all(
      Array.from({ length: 8 }, () => docs().findOneAndUpdate({ _id: 2, version: 0 }, { $inc: { version: 1 } })),
    );
    expect(results.filter((r) => r !== null)).toHaveLength(1);
    expect((await docs().findOne({ _id: 2 }))?.version).toBe(1);
  });

  it('applies $pull with a condition or $in, and $push with $slice', async () => {
    await docs().insertOne({ _id: 3, numbers: [1, 2, 3, 4, 5], sessions: [{ id: 'a' }, { id: 'b' }], recent: [] });
    await docs().updateOne({ _id: 3 }, { $pull: { numbers: { $gt: 3 } } });
    await docs().updateOne({ _id: 3 }, { $pull: { sessions: { id: { $in: ['a'] } } } });
    await docs().updateOne({ _id: 3 }, { $push: { recent: { $each: [1, 2, 3, 4], $slice: -2 } } });
    expect(await docs().findOne({ _id: 3 }, { projection: { _id: 0 } })).toEqual({
      numbers: [1, 2, 3],
      sessions: [{ id: 'b' }],
      recent: [3, 4],
    });
  });

  it('answers a unique-index violation on update with code 11000', async () => {
    const handles = mongoose.connection.collection<Probe>('engine_probe_unique');
    await handles.createIndex({ handle: 1 }, { unique: true });
    await handles.insertMany([
      { _id: 4, handle: 'taken' },
      { _id: 5, handle: 'free' },
    ]);
    await expect(handles.updateOne({ _id: 5 }, { $set: { handle: 'taken' } })).rejects.toMatchObject({ code: 11000 });
  });
});
