// What the change bus announced while a test ran: recorded from the file's start, cleared after each test,
// and no longer listened to when the file is done (files share worker processes).
import { afterAll, afterEach } from 'vitest';
import { onChange, type Change } from '../../src/db/changes.js';

/** The changes announced since the current test began (read it inside the test). */
export function recordChanges(): { seen: Change[] } {
  const record = { seen: [] as Change[] };
  const stop = onChange((change) => record.seen.push(change));
  afterEach(() => {
    record.seen = [];
  });
  afterAll(stop);
  return record;
}
