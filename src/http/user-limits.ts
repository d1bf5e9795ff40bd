// Per-user bounds on signed-in requests, so that one account (a runaway script, a stolen session, a
// member reloading the dashboard in a loop) cannot slow every other signed-in user down. Every request
// of a signed-in user touches the database (the session is checked against the account on each one), and
// the pages behind a sign-in (dashboard, editor, media library, admin lists) are the expensive ones.
//
// For each user: at most `concurrent` requests run at once, `queued` more wait their turn, and at most
// `perMinute` start in any minute; beyond either bound the answer is 429 with Retry-After at once.
// Anonymous requests pass untouched (the page cache and the sign-in limits deal with those), and so do
// the `exempt` paths: ending one's sessions is never refused, least of all to someone being flooded.
//
// These bounds are per process, in memory, on purpose: they protect this process's capacity, and a
// database write per request to share them would cost more than most of the requests they bound. With N
// processes a user gets N times the bounds, which still keeps one user to a fixed share of each.
import type { RequestHandler } from 'express';
import { TooManyRequests } from './errors.js';

export interface UserLimits {
  concurrent: number;
  queued: number;
  perMinute: number;
}

export const USER_LIMITS: UserLimits = { concurrent: 4, queued: 8, perMinute: 240 };

const MINUTE = 60_000;
const BUSY = 'You have too many requests in progress. Please wait a moment and try again.';
const FAST = 'You are making requests too quickly. Please wait a little and try again.';

interface UserState {
  running: number;
  waiting: Array<() => void>;
  /** Start times of the requests of the last minute, oldest first. */
  recent: number[];
}

export function userLimits({ limits = USER_LIMITS, exempt = [] }: { limits?: UserLimits; exempt?: string[] } = {}): RequestHandler {
  const exemptPaths = new Set(exempt);
  const users = new Map<string, UserState>();
  let lastSweep = Date.now();

  // Users with nothing running, waiting or recent are forgotten, so the map holds only active users.
  const sweep = (now: number) => {
    if (now - lastSweep < MINUTE) return;
    lastSweep = now;
    for (const [id, state] of users) {
      if (!state.running && !state.waiting.length && (state.recent.at(-1) ?? 0) <= now - MINUTE) users.delete(id);
    }
  };

  return function userLimitsMiddleware(req, res, next) {
    const id = req.user?.id;
    if (!id || exemptPaths.has(req.path)) return next();
    const now = Date.now();
    sweep(now);
    let state = users.get(id);
    if (!state) users.set(id, (state = { running: 0, waiting: [], recent: [] }));
    const user = state;

    while (user.recent.length && user.recent[0]! <= now - MINUTE) user.recent.shift();
    if (user.recent.length >= limits.perMinute) {
      return next(new TooManyRequests(Math.ceil((user.recent[0]! + MINUTE - now) / 1000), FAST));
    }
    if (user.running >= limits.concurrent && user.waiting.length >= limits.queued) return next(new TooManyRequests(1, BUSY));
    user.recent.push(now);

    let gone = false;
    res.once('close', () => (gone = true));
    const start = () => {
      user.running++;
      let done = false;
      // The slot is freed when the answer is sent or the connection closes, whichever comes first; a
      // finished request hands it to the next one waiting.
      const finish = () => {
        if (done) return;
        done = true;
        user.running--;
        user.waiting.shift()?.();
      };
      // A request whose client left while it waited is not worked on.
      if (gone) return finish();
      res.once('finish', finish);
      res.once('close', finish);
      next();
    };
    if (user.running < limits.concurrent) start();
    else user.waiting.push(start);
  };
}
