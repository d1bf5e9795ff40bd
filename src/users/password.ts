// Password hashing: scrypt from node:crypto at OWASP's minimum cost (N=2^17, r=8, p=1), a random 16-byte
// salt per user, constant-time comparison. The stored form carries algorithm and cost
// (`scrypt$17$8$1$<salt>$<hash>`), so a raised cost is applied at the next successful sign-in.
//
// At this cost one hash takes ~0.6 s of one core and 128 MiB of memory. Hashing is therefore bounded:
// at most HASH_CONCURRENCY run at once, a short queue waits, and beyond it callers are told to retry
// (503), so a flood of sign-ins cannot starve page rendering or exhaust memory. Sign-in and sign-up say
// on whose behalf they hash (the client address, the account): each of those may have at most
// HASHES_PER_KEY hashes running or waiting (429 beyond), and the queue serves addresses round-robin, so
// one address flooding it with correct or wrong passwords cannot make everyone else wait or get 503.
//
// What is hashed is the password's NFKC form (normalizePassword), the same string the password rules
// judge, so "ｐａｓｓ" and "pass", or a composed and a decomposed "é", are one password.
import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { WorkLimit } from '../http/work-limit.js';

export interface ScryptCost {
  log2N: number;
  r: number;
  p: number;
}

export const OWASP_MIN_COST: ScryptCost = { log2N: 17, r: 8, p: 1 };
let currentCost: ScryptCost = OWASP_MIN_COST;

/** Tests lower the cost to keep the suite fast; production code never calls this. */
export function setHashCostForTests(cost: ScryptCost): void {
  currentCost = cost;
}
/** The cost of new hashes from configuration (PASSWORD_HASH_LOG2N, 17 unless set): entry points call this once. */
export function useConfiguredHashCost(log2N: number): void {
  currentCost = { ...OWASP_MIN_COST, log2N };
}
export function hashCost(): ScryptCost {
  return currentCost;
}

const KEY_LENGTH = 32;
const HASH_CONCURRENCY = 1;
const MAX_WAITING = 32;
export const HASHES_PER_KEY = 3;

const hashing = new WorkLimit({
  concurrency: HASH_CONCURRENCY,
  maxWaiting: MAX_WAITING,
  busyMessage: 'Too many sign-ins at once. Please try again in a few seconds.',
  maxPerKey: HASHES_PER_KEY,
  tooManyMessage: 'Too many sign-ins at once from your network or for this account. Please try again in a moment.',
});

/** Password hashes running, waiting, and completed since start. */
export function hashingStats(): { running: number; waiting: number; completed: number } {
  return hashing.stats();
}

/**
 * On whose behalf a hash is made, e.g. [`address:203.0.113.7`, `account:<id>`]: each key is bounded to
 * HASHES_PER_KEY at once, and the first is the queue lane served round-robin. Empty: unattributed work.
 */
export type HashingFor = readonly string[];

/** The one form of a password that is judged and hashed: Unicode NFKC. */
export function normalizePassword(password: string): string {
  return password.normalize('NFKC');
}

function scrypt(password: string, salt: Buffer, cost: ScryptCost, by: HashingFor): Promise<Buffer> {
  const N = 2 ** cost.log2N;
  const options: ScryptOptions = { N, r: cost.r, p: cost.p, maxmem: 256 * N * cost.r + 1024 * 1024 };
  return hashing.run(
    () =>
      new Promise((resolve, reject) =>
        scryptCb(normalizePassword(password), salt, KEY_LENGTH, options, (err, key) => (err ? reject(err) : resolve(key))),
      ),
    by,
  );
}

export async function hashPassword(password: string, cost: ScryptCost = currentCost, by: HashingFor = []): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, cost, by);
  return ['scrypt', cost.log2N, cost.r, cost.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

interface ParsedHash {
  cost: ScryptCost;
  salt: Buffer;
  key: Buffer;
}

function parseHash(stored: string): ParsedHash | undefined {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return undefined;
  const [log2N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  if (![log2N, r, p].every((n) => Number.isInteger(n) && n > 0) || log2N > 22) return undefined;
  return { cost: { log2N, r, p }, salt: Buffer.from(parts[4]!, 'base64url'), key: Buffer.from(parts[5]!, 'base64url') };
}

export interface VerifyResult {
  ok: boolean;
  /** True when the stored hash is below the current cost and should be replaced. */
  needsRehash: boolean;
}

export async function verifyPassword(password: string, stored: string, by: HashingFor = []): Promise<VerifyResult> {
  const parsed = parseHash(stored);
  if (!parsed) return { ok: false, needsRehash: false };
  const key = await scrypt(password, parsed.salt, parsed.cost, by);
  const ok = key.length === parsed.key.length && timingSafeEqual(key, parsed.key);
  const c = parsed.cost;
  const needsRehash = ok && (c.log2N < currentCost.log2N || c.r < currentCost.r || c.p < currentCost.p);
  return { ok, needsRehash };
}

// For unknown accounts, sign-in still hashes once against this, so that "no such user" and "wrong
// password" take the same time and cannot be told apart.
// The dummy is made at the current cost (and again if the cost changes), so it costs what a real check does.
let dummy: { cost: string; hash: Promise<string> } | undefined;
export async function burnEquivalentTime(password: string, by: HashingFor = []): Promise<void> {
  const cost = `${currentCost.log2N}$${currentCost.r}$${currentCost.p}`;
  if (dummy?.cost !== cost) dummy = { cost, hash: hashPassword(randomBytes(16).toString('base64url')) };
  await verifyPassword(password, await dummy.hash, by);
}
