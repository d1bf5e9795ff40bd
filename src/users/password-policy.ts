// The password rules, after Django's four default validators: a minimum length, not entirely numeric,
// not on a list of common passwords, not too similar to the account's own names. Plus what zxcvbn and
// Django's stricter validators catch: nothing but spaces or invisible characters, and predictable
// patterns (repeats, sequences, keyboard runs). Plus an upper bound, so nobody hashes a megabyte. Every
// message is shown to the person choosing the password.
//
// Every rule judges the password's NFKC form (normalizePassword), which is exactly what password.ts
// hashes and what sign-in checks: fullwidth "ｐａｓｓｗｏｒｄ１２３" is "password123" for the rules as for
// the hash. Characters nobody can see (zero-width, bidi and other format characters, fillers) do not count
// toward the length and are ignored by the list, pattern and similarity checks, so "pass\u200Bword123"
// is as common as "password123". They are not removed from what is hashed: the password stays what was typed.
import { createRequire } from 'node:module';
import { normalizePassword } from './password.js';
import { predictableLength } from './password-patterns.js';

export const MIN_PASSWORD_LENGTH = 10;
export const MAX_PASSWORD_BYTES = 256;
/** Django's UserAttributeSimilarityValidator default. */
const MAX_SIMILARITY = 0.7;

export const PASSWORD_HINT =
  `At least ${MIN_PASSWORD_LENGTH} characters, not a common password, not only digits, not a pattern such as "abcabc", "12345" or "qwerty", ` +
  'and not like your username or email. A few unrelated words make a good one.';

// Invisible: control and format characters (zero-width space and joiners, bidi marks and overrides),
// every default-ignorable code point (fillers, variation selectors), and the blank Braille pattern.
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Default_Ignorable_Code_Point}\u2800]/gu;
const WHITESPACE = /\p{White_Space}/gu;

/**
 * Too long to be a password here: over MAX_PASSWORD_BYTES once normalized (what is hashed), or so long as
 * typed that no normalization could bring it under (checked first, so a huge input is never normalized).
 */
export function isPasswordTooLong(password: string): boolean {
  return Buffer.byteLength(password, 'utf8') > 4 * MAX_PASSWORD_BYTES || Buffer.byteLength(normalizePassword(password), 'utf8') > MAX_PASSWORD_BYTES;
}

// zxcvbn-ts's list of common passwords (49,000 entries from breach corpora), decompressed on first use
// rather than at start-up.
let commonPasswords: Set<string> | undefined;
function isCommon(...forms: string[]): boolean {
  if (!commonPasswords) {
    const require = createRequire(import.meta.url);
    const { dictionary } = require('@zxcvbn-ts/language-common') as { dictionary: { 'passwords-common': string[] } };
    commonPasswords = new Set(dictionary['passwords-common'].map((p) => p.toLowerCase()));
  }
  return forms.some((form) => commonPasswords!.has(form));
}

export interface PasswordOwner {
  username?: string | undefined;
  email?: string | undefined;
  displayName?: string | undefined;
}

/** What is wrong with this password for this account; empty when it is acceptable. */
export function passwordProblems(password: string, owner: PasswordOwner = {}): string[] {
  if (isPasswordTooLong(password)) {
    return [`This password is too long. It must be at most ${MAX_PASSWORD_BYTES} bytes.`];
  }
  // The forms judged: what can be seen, and that without spaces and in lower case (what patterns and
  // lists compare). All derived from the one normalized string that is hashed.
  const visible = normalizePassword(password).replace(INVISIBLE, '');
  const skeleton = visible.replace(WHITESPACE, '').toLowerCase();
  if (!skeleton) return ['This password is only spaces or invisible characters.'];

  const problems: string[] = [];
  const length = [...visible].length;
  if (length < MIN_PASSWORD_LENGTH) {
    problems.push(`This password is too short. It must contain at least ${MIN_PASSWORD_LENGTH} characters.`);
  }
  if (/^\p{Nd}+$/u.test(skeleton)) problems.push('This password is entirely numeric.');
  if (isCommon(skeleton, visible.trim().toLowerCase())) problems.push('This password is too common.');
  else if (length >= MIN_PASSWORD_LENGTH && length - ([...skeleton].length - predictableLength(skeleton)) < MIN_PASSWORD_LENGTH) {
    // The length again, with what the patterns are worth instead of their characters.
    problems.push(
      'This password is too predictable: repeated characters ("aaaa", "abcabc"), sequences ("abcd", "9876") ' +
        'and neighbouring keys ("qwerty", "1q2w3e") count as about one character each.',
    );
  }
  const similar = similarAttribute(visible.toLowerCase(), owner);
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
function similarAttribute(lowered: string, owner: PasswordOwner): string | undefined {
  for (const [key, label] of ATTRIBUTES) {
    const value = owner[key]?.normalize('NFKC').replace(INVISIBLE, '').toLowerCase();
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
