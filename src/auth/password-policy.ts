// The password rules, after Django's four default validators: a minimum length, not entirely numeric,
// not on a list of common passwords, not too similar to the account's own names. Plus an upper bound,
// so nobody hashes a megabyte. Every message is shown to the person choosing the password.
import { createRequire } from 'node:module';

export const MIN_PASSWORD_LENGTH = 10;
export const MAX_PASSWORD_BYTES = 256;
/** Django's UserAttributeSimilarityValidator default. */
const MAX_SIMILARITY = 0.7;

export const PASSWORD_HINT =
  `At least ${MIN_PASSWORD_LENGTH} characters, not a common password, not only digits, and not like your username or email. ` +
  'A few unrelated words make a good one.';

// zxcvbn-ts's list of common passwords (49,000 entries from breach corpora), decompressed on first use
// rather than at start-up.
let commonPasswords: Set<string> | undefined;
function isCommon(password: string): boolean {
  if (!commonPasswords) {
    const require = createRequire(import.meta.url);
    const { dictionary } = require('@zxcvbn-ts/language-common') as { dictionary: { 'passwords-common': string[] } };
    commonPasswords = new Set(dictionary['passwords-common'].map((p) => p.toLowerCase()));
  }
  return commonPasswords.has(password.trim().toLowerCase());
}

export interface PasswordOwner {
  username?: string | undefined;
  email?: string | undefined;
  displayName?: string | undefined;
}

/** What is wrong with this password for this account; empty when it is acceptable. */
export function passwordProblems(password: string, owner: PasswordOwner = {}): string[] {
  if (Buffer.byteLength(password, 'utf8') > MAX_PASSWORD_BYTES) {
    return [`This password is too long. It must be at most ${MAX_PASSWORD_BYTES} bytes.`];
  }
  const problems: string[] = [];
  if ([...password].length < MIN_PASSWORD_LENGTH) {
    problems.push(`This password is too short. It must contain at least ${MIN_PASSWORD_LENGTH} characters.`);
  }
  if (/^\p{Nd}+$/u.test(password)) problems.push('This password is entirely numeric.');
  if (isCommon(password)) problems.push('This password is too common.');
  const similar = similarAttribute(password, owner);
  if (similar) problems.push(`This password is too similar to your ${similar}.`);
  return problems;
}

const ATTRIBUTES: Array<[keyof PasswordOwner, string]> = [
  ['username', 'username'],
  ['displayName', 'display name'],
  ['email', 'email address'],
];

// Django's rule: the password against each attribute and each of its word-parts (so "ada.lovelace@x.org"
// is also checked as "ada", "lovelace", "x" and "org"), rejected when difflib's quick_ratio reaches 0.7.
function similarAttribute(password: string, owner: PasswordOwner): string | undefined {
  const lowered = password.toLowerCase();
  for (const [key, label] of ATTRIBUTES) {
    const value = owner[key]?.toLowerCase();
    if (!value) continue;
    const parts = [...value.split(/[^\p{L}\p{N}_]+/u), value].filter(Boolean);
    for (const part of parts) {
      if (farTooShort(lowered, part)) continue;
      if (quickRatio(lowered, part) >= MAX_SIMILARITY) return label;
    }
  }
  return undefined;
}

// Django's exceeds_maximum_length_ratio: a part under a tenth of the password's length cannot reach the
// threshold, so it is skipped (and a one-letter name part does not reject every password).
function farTooShort(password: string, part: string): boolean {
  const pwdLen = [...password].length;
  const partLen = [...part].length;
  return pwdLen >= 10 * partLen && partLen < (MAX_SIMILARITY / 2) * pwdLen;
}

/** difflib.SequenceMatcher.quick_ratio: 2 * (characters in common, with multiplicity) / (total length). */
export function quickRatio(a: string, b: string): number {
  const as = [...a];
  const bs = [...b];
  if (as.length + bs.length === 0) return 1;
  const available = new Map<string, number>();
  for (const ch of bs) available.set(ch, (available.get(ch) ?? 0) + 1);
  let matches = 0;
  for (const ch of as) {
    const left = available.get(ch) ?? 0;
    if (left > 0) {
      matches++;
      available.set(ch, left - 1);
    }
  }
  return (2 * matches) / (as.length + bs.length);
}
