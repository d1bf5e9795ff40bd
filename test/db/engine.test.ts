// Engine detection (what connect.ts logs and warns about) and the supervisor that restarts the embedded
// engine, including when it gives up.
import { pino } from 'pino';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { engineFacts } from '../../src/db/engine.js';
import { SupervisedProcess } from '../../src/db/supervisor.js';

describe('engine detection from buildInfo', () => {
  it("takes Quire's FerretDB build as atomic, and a stock FerretDB as not", () => {
    expect(engineFacts({ version: '7.0.77', ferretdbVersion: 'v1.24.2-quire.1' }).atomicWrites).toBe(true);
    expect(engineFacts({ version: '7.0.77', ferretdbVersion: 'v1.24.2' }).atomicWrites).toBe(false);
    expect(engineFacts({ version: '7.0.77', ferretdbVersion: 'v1.24.2-quire' }).atomicWrites).toBe(false);
    expect(engineFacts({ version: '7.0.77', ferretdbVersion: 'v2.1.0' }).atomicWrites).toBe(false);
  });

  it('takes MongoDB (no ferretdbVersion) as atomic and able to answer indexed queries, and names it', () => {
    expect(engineFacts({ version: '7.0.2' })).toEqual({ description: 'MongoDB 7.0.2', atomicWrites: true, indexedQueries: true });
  });

  it('takes every FerretDB 1.24, patched or not, as reading whole tables (the in-memory read model)', () => {
    expect(engineFacts({ version: '7.0.77', ferretdbVersion: 'v1.24.2-quire.1' }).indexedQueries).toBe(false);
    expect(engineFacts({ version: '7.0.77', ferretdbVersion: 'v1.24.2' }).indexedQueries).toBe(false);
  });
});

function capturingLogger() {
  const lines: { level: number; msg: string }[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as { level: number; msg: string });
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

async function until(condition: () => boolean, withinMs = 20_000): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (!condition() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
}

describe('the supervisor', () => {
  it('restarts a process that dies, and gives up after quick failures in a row', async () => {
    const { logger, lines } = capturingLogger();
    let launches = 0;
    const supervised = new SupervisedProcess({
      name: 'Crasher',
      command: process.execPath,
      // Lives a moment, then dies: every run counts as a quick failure.
      args: ['-e', 'setTimeout(() => process.exit(3), 100)'],
      logger,
      ready: async () => {
        launches++;
      },
      restartDelaysMs: [10, 10],
    });
    await supervised.start();
    await until(() => lines.some((l) => l.level === 50));
    await supervised.stop();
    // The first start and two restarts; the third failure in a row is not restarted.
    expect(launches).toBe(3);
    expect(lines.filter((l) => /restarting it in 10 ms/.test(l.msg))).toHaveLength(2);
    expect(lines.find((l) => l.level === 50)?.msg).toMatch(/Crasher exited with code 3 unexpectedly.*not restarted again/);
  });

  it('does not restart a process it was asked to stop', async () => {
    const { logger, lines } = capturingLogger();
    const supervised = new SupervisedProcess({
      name: 'Sleeper',
      command: process.execPath,
      args: ['-e', 'setTimeout(() => {}, 60_000)'],
      logger,
      ready: async () => undefined,
      restartDelaysMs: [10],
    });
    await supervised.start();
    const pid = supervised.pid;
    expect(pid).toBeTypeOf('number');
    await supervised.stop();
    await new Promise((r) => setTimeout(r, 200));
    expect(supervised.pid).toBeUndefined();
    expect(lines.filter((l) => /restart/.test(l.msg))).toEqual([]);
  });
});
