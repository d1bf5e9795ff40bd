// Slow searches are charged to whoever asks for them (src/http/time-budget.ts, posts/public.router.ts):
// a phrase of common words can cost a hundred milliseconds of the event loop at 100,000 posts, so an
// address that keeps asking for such searches gets 429, and everyone gets 503 when all together have
// spent the process's share; cheap searches are never counted.
import { pino } from 'pino';
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { TimeBudget, type TimeBudgetOptions } from '../../src/http/time-budget.js';
import { AppError } from '../../src/http/errors.js';
import { testConfig } from '../support/app.js';
import { makeUser } from '../support/factories.js';
import { makePublishedSeries } from '../support/posts.js';

const MESSAGES = { tooMuchMessage: 'too much', busyMessage: 'busy' };

function statusOf(fn: () => void): { status: number; retryAfter?: number } | null {
  try {
    fn();
    return null;
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    return { status: err.status, retryAfter: err.details.retryAfterSeconds };
  }
}

describe('time budgets', () => {
  const options = (overrides: Partial<TimeBudgetOptions> = {}): { budget: TimeBudget; tick: (ms: number) => void } => {
    let now = 1_000_000;
    const budget = new TimeBudget({
      freeMs: 20,
      perClient: { burstMs: 100, refillMsPerSecond: 10 },
      overall: { burstMs: 1_000, refillMsPerSecond: 100 },
      ...MESSAGES,
      ...overrides,
      now: () => now,
    });
    return { budget, tick: (ms) => (now += ms) };
  };

  it('never counts work under the free threshold', () => {
    const { budget } = options();
    for (let i = 0; i < 1_000; i++) {
      expect(statusOf(() => budget.check('a'))).toBeNull();
      budget.charge('a', 19.9);
    }
  });

  it('refuses a client that overdrew its bucket (429, Retry-After until it is positive), and no one else', () => {
    const { budget, tick } = options();
    budget.charge('a', 80);
    expect(statusOf(() => budget.check('a'))).toBeNull();
    budget.charge('a', 70);
    // 100 - 150 = -50 ms, refilled at 10 ms a second: positive again after 5 s.
    expect(statusOf(() => budget.check('a'))).toEqual({ status: 429, retryAfter: 6 });
    expect(statusOf(() => budget.check('b'))).toBeNull();
    tick(4_000);
    expect(statusOf(() => budget.check('a'))?.status).toBe(429);
    tick(1_100);
    expect(statusOf(() => budget.check('a'))).toBeNull();
  });

  it('refuses everyone (503) when all clients together have spent the overall bucket', () => {
    const { budget, tick } = options({ perClient: { burstMs: 10_000, refillMsPerSecond: 10 } });
    budget.charge('a', 600);
    budget.charge('b', 500);
    const refused = statusOf(() => budget.check('c'));
    expect(refused?.status).toBe(503);
    // 1,000 - 1,100 = -100 ms, refilled at 100 ms a second: positive again after just over a second.
    expect(refused?.retryAfter).toBe(2);
    tick(1_000);
    expect(statusOf(() => budget.check('c'))?.status).toBe(503);
    tick(100);
    expect(statusOf(() => budget.check('c'))).toBeNull();
  });

  it('remembers a bounded number of clients, forgetting those whose bucket is full again first', () => {
    const { budget, tick } = options({ maxClients: 2 });
    budget.charge('a', 150);
    budget.charge('b', 150);
    tick(20_000);
    budget.charge('b', 150);
    // a is full again (and forgotten to make room); b is not.
    budget.charge('c', 25);
    expect(statusOf(() => budget.check('a'))).toBeNull();
    expect(statusOf(() => budget.check('b'))?.status).toBe(429);
  });
});

describe('GET /search under a search budget', () => {
  beforeAll(async () => {
    const author = await makeUser({ role: 'author' });
    await makePublishedSeries(author, 12);
  });

  const appWith = (budget: Omit<TimeBudgetOptions, 'tooMuchMessage' | 'busyMessage'>) =>
    createApp({ config: testConfig(), logger: pino({ level: 'silent' }), searchBudget: { ...budget, ...MESSAGES } });

  it('answers ordinary searches without limit under the default budget', async () => {
    const app = createApp({ config: testConfig(), logger: pino({ level: 'silent' }) });
    for (let i = 0; i < 40; i++) {
      const res = await request(app).get(`/search?q=${encodeURIComponent(`post ${i}`)}`);
      expect(res.status, `search ${i}`).toBe(200);
    }
  });

  it('refuses an address that has spent its budget (429 with Retry-After), even for a page past the last', async () => {
    // Every search counts (no free threshold) and the bucket holds a microsecond: the first overdraws it.
    const app = appWith({ freeMs: 0, perClient: { burstMs: 0.001, refillMsPerSecond: 0.001 }, overall: { burstMs: 1e9, refillMsPerSecond: 1e9 } });
    const past = await request(app).get('/search?q=only%20here%20per%20address&page=99');
    expect(past.status).toBe(404);
    const refused = await request(app).get('/search?q=another');
    expect(refused.status).toBe(429);
    expect(refused.headers['retry-after']).toMatch(/^\d+$/);
    expect(refused.text).toContain('too much');
    // The search form itself (no query) searches nothing and is still there.
    expect((await request(app).get('/search')).status).toBe(200);
  });

  it('refuses everyone (503 with Retry-After) once all together have spent the overall budget', async () => {
    const app = appWith({ freeMs: 0, perClient: { burstMs: 1e9, refillMsPerSecond: 1e9 }, overall: { burstMs: 0.001, refillMsPerSecond: 0.001 } });
    // A query no other test asked for: a repeated one comes from the results cache and costs nothing.
    expect((await request(app).get('/search?q=only%20here%20overall')).status).toBe(200);
    const busy = await request(app).get('/search?q=words');
    expect(busy.status).toBe(503);
    expect(busy.headers['retry-after']).toMatch(/^\d+$/);
    expect(busy.text).toContain('busy');
    // Other pages are not searches.
    expect((await request(app).get('/')).status).toBe(200);
  });
});
