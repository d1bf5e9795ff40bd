import { join, resolve } from 'node:path';

/** Where the journeys' screenshots and the server's log go (emptied at the start of each run). */
export const RESULTS_DIR = join(resolve(import.meta.dirname, '../../..'), 'test-results', 'e2e');
