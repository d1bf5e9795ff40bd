// Reading the development outbox (mailer.ts writes it): the newest messages' summaries, for /admin/outbox.
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { outboxDir, type OutboxSummary } from './mailer.js';

export const OUTBOX_PAGE_SIZE = 100;

/** The newest messages first, at most OUTBOX_PAGE_SIZE; an outbox never written to is empty. */
export async function listOutbox(dataDir: string): Promise<OutboxSummary[]> {
  const dir = outboxDir(dataDir);
  const names = await readdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [] as string[];
    throw err;
  });
  const newest = names.filter((n) => n.endsWith('.json')).sort().reverse().slice(0, OUTBOX_PAGE_SIZE);
  const summaries = await Promise.all(newest.map(async (name) => parseSummary(await readFile(join(dir, name), 'utf8'))));
  return summaries.filter((s): s is OutboxSummary => s !== undefined);
}

// A file someone edited by hand or left half-written is skipped, not a 500.
function parseSummary(text: string): OutboxSummary | undefined {
  try {
    const v = JSON.parse(text) as Partial<OutboxSummary>;
    if (typeof v.id !== 'string' || typeof v.to !== 'string' || typeof v.subject !== 'string' || typeof v.date !== 'string') return undefined;
    const links = Array.isArray(v.links) ? v.links.filter((l): l is string => typeof l === 'string') : [];
    return { id: v.id, to: v.to, subject: v.subject, date: v.date, links };
  } catch {
    return undefined;
  }
}
