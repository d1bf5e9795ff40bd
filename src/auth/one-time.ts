// "At most once", on every engine: a reset token redeemed, an invitation accepted, a TOTP code or a
// recovery code used. Stock FerretDB 1.24 runs conditional updates (`{usedAt: null}` -> set) without
// atomicity, so two requests racing with the same token could both pass such a check; but no engine
// stores two documents with the same _id. So using a thing is inserting its key as an _id: exactly one
// of any number of racing requests, in any number of processes, succeeds.
import mongoose from 'mongoose';
import { isDuplicateKey } from '../db/duplicate-key.js';
import { OneTimeClaim } from './one-time.model.js';

/** True the first time a key is claimed, false ever after (until `expiresAt`, when it may be pruned). */
export async function claimOnce(key: string, expiresAt: Date): Promise<boolean> {
  try {
    await OneTimeClaim.create({ _id: key, expiresAt });
    return true;
  } catch (err) {
    if (isDuplicateKey(err)) return false;
    throw err;
  }
}

const PRUNE_EVERY_MS = 60 * 60_000;

/**
 * A function that deletes the documents of `model` whose `expiresAt` has passed, at most hourly, by
 * whichever request comes first and without making it wait (a failed prune is tried again next time).
 */
export function expiredPruner(model: { deleteMany(filter: Record<string, unknown>): PromiseLike<unknown> }): (now?: number) => void {
  let lastPrune = 0;
  return (now = Date.now()) => {
    if (now - lastPrune < PRUNE_EVERY_MS) return;
    lastPrune = now;
    Promise.resolve(model.deleteMany({ expiresAt: mongoose.trusted({ $lt: new Date(now) }) })).catch(() => {
      lastPrune = 0;
    });
  };
}

/** Drops claims whose guarded thing has expired. */
export const pruneClaims = expiredPruner(OneTimeClaim);

/**
 * For a model of one-time links (password resets, email verifications): deletes expired links and expired
 * claims, now and then, by whichever request comes first.
 */
export function expiredLinksPruner(model: Parameters<typeof expiredPruner>[0]): (now?: number) => void {
  const pruneLinks = expiredPruner(model);
  return (now = Date.now()) => {
    pruneClaims(now);
    pruneLinks(now);
  };
}
