// WEB_CONCURRENCY=N: one primary that starts the embedded database once and N workers sharing the port,
// a dead worker replaced, and a clean stop of everything on SIGTERM.
import { afterAll, describe, expect, it } from 'vitest';
import { startQuire, type QuireProcess } from '../support/processes.js';

let quire: QuireProcess | undefined;

afterAll(async () => {
  await quire?.stop();
});

function workerPids(output: string): number[] {
  return [...output.matchAll(/worker \d+ \(pid (\d+)\)/g)].map((m) => Number(m[1]));
}

async function until(check: () => boolean, ms = 120_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
}

describe('WEB_CONCURRENCY', () => {
  it('runs N workers on one embedded database, replaces a dead one, and stops cleanly', async () => {
    // Empty MONGODB_URI: the primary starts the embedded engine, as `npm start` on a new machine does.
    quire = await startQuire({ WEB_CONCURRENCY: '2', MONGODB_URI: '', LOG_LEVEL: 'info' }, { ready: 120_000 });
    await until(() => new Set(workerPids(quire!.output())).size >= 2);
    const pids = [...new Set(workerPids(quire.output()))];
    expect(pids).toHaveLength(2);
    expect(quire.output()).toContain('with 2 workers');

    process.kill(pids[0]!, 'SIGKILL');
    await until(() => /died \(SIGKILL\); starting another/.test(quire!.output()));
    expect(quire.output()).toMatch(/died \(SIGKILL\); starting another/);
    await until(() => new Set(workerPids(quire!.output())).size >= 3);
    expect(new Set(workerPids(quire.output())).size).toBe(3);
    expect((await fetch(`${quire.url}/healthz`)).status).toBe(200);

    const code = await quire.stop();
    expect(code).toBe(0);
    // No worker outlives the primary.
    for (const pid of new Set(workerPids(quire.output()))) {
      expect(() => process.kill(pid, 0)).toThrow();
    }
  }, 300_000);
});
