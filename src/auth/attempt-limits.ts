// Limits on guessing and on account creation, counted in the database (attempt-store.ts) so that every
// process on one database shares them. Past a limit the answer is 429 with Retry-After (through the error
// handler) until a slot of the window frees.
//
// Each limiter counts a request when it arrives and takes it back when the answer turns out not to count
// (a successful sign-in is not a failure), so the check happens BEFORE the password is hashed and a burst
// of parallel guesses cannot slip through while the first ones are still hashing. An answer never sent
// (the client went away) keeps counting: aborting a guess must not make it free.
import type { Request, RequestHandler } from 'express';
import { ipKeyGenerator } from 'express-rate-limit';
import { TooManyRequests } from '../http/errors.js';
import type { AttemptStore } from './attempt-store.js';

const MINUTE = 60_000;
const BUSY_MESSAGE = 'Too many attempts at once from your network or for this account. Please try again in a moment.';

export interface AttemptLimit {
  /** Names the counter; the database key is `<name>:<who>`. */
  name: string;
  windowMs: number;
  limit: number;
  /** Whether an answer with this status (and these response locals) counts against the limit. */
  counts: (status: number, locals: Record<string, unknown>) => boolean;
  /** Whom the counter is for; the client address (IPv6 by /56) when absent. */
  key?: (req: Request) => string | Promise<string>;
  message: string;
}

/** The client address as limits see it: IPv6 addresses by /56, as one subscriber usually gets at least that. */
export function clientAddressKey(req: Request): string {
  return ipKeyGenerator(req.ip ?? 'unknown');
}

export function attemptLimiter(store: AttemptStore, spec: AttemptLimit): RequestHandler {
  return async (req, res, next) => {
    const who = spec.key ? await spec.key(req) : clientAddressKey(req);
    const reservation = await store.reserve(`${spec.name}:${who}`, spec);
    if (!reservation.allowed) {
      throw new TooManyRequests(reservation.retryAfterSeconds, reservation.busy ? BUSY_MESSAGE : spec.message);
    }
    res.once('finish', () => {
      // If the release fails the attempt keeps counting until its window ends: the cautious side.
      if (!spec.counts(res.statusCode, res.locals)) reservation.release().catch(() => undefined);
    });
    next();
  };
}

// A sign-in fails with 401 (wrong credentials) or 403 (suspended, password right). A 422 never reached a
// password check, and 429/503 (busy) say nothing about the password: none of them counts.
const failedSignIn = (status: number) => status === 401 || status === 403;
const checkedSignIn = (status: number) => status === 303 || failedSignIn(status);
const SIGN_IN_MESSAGE = 'Too many failed sign-in attempts. Please wait a while and try again.';

export const SIGN_IN_FAILURES_PER_ACCOUNT = { name: 'signin-fail-account', windowMs: 15 * MINUTE, limit: 10 };
export const SIGN_IN_FAILURES_PER_ADDRESS = { name: 'signin-fail-address', windowMs: 15 * MINUTE, limit: 30 };
export const SIGN_INS_PER_ADDRESS = { name: 'signin-address', windowMs: 15 * MINUTE, limit: 300 };

/**
 * Failures: 10 per account and 30 per address in 15 minutes (an office or a school shares one address).
 * Every checked sign-in, successes included: 300 per address in 15 minutes, so that one address cannot
 * keep the hashing queue busy with correct passwords either; generous enough for a school behind one NAT,
 * whose users never lock each other out with correct passwords (successes are not failures).
 */
export function signInLimits(store: AttemptStore, accountKey: (req: Request) => Promise<string>): RequestHandler[] {
  return [
    attemptLimiter(store, { ...SIGN_IN_FAILURES_PER_ADDRESS, counts: failedSignIn, message: SIGN_IN_MESSAGE }),
    attemptLimiter(store, { ...SIGN_IN_FAILURES_PER_ACCOUNT, counts: failedSignIn, key: accountKey, message: SIGN_IN_MESSAGE }),
    attemptLimiter(store, {
      ...SIGN_INS_PER_ADDRESS,
      counts: checkedSignIn,
      message: 'Too many sign-ins from your network. Please wait a while and try again.',
    }),
  ];
}

/** Set by the sign-up route when the answer is "that username or email is taken". */
export const SIGN_UP_TAKEN = 'signUpTaken';

export const SIGN_UPS_PER_ADDRESS = { name: 'signup-address', windowMs: 60 * MINUTE, limit: 10 };
export const FAILED_SIGN_UPS_PER_ADDRESS = { name: 'signup-fail-address', windowMs: 60 * MINUTE, limit: 10 };

/**
 * Accounts created from one address: 10 an hour (each costs a password hash and a row). Sign-ups refused
 * because the username or email is taken: 10 an hour, so that asking "does this email have an account?"
 * costs an hour per ten questions from one address. (Other refusals, such as a weak password or a
 * look-alike display name, answer nothing about other accounts' emails and do not count.)
 */
export function signUpLimits(store: AttemptStore): RequestHandler[] {
  return [
    attemptLimiter(store, {
      ...SIGN_UPS_PER_ADDRESS,
      counts: (status) => status < 400,
      message: 'Too many accounts were created from your network. Please try again later.',
    }),
    attemptLimiter(store, {
      ...FAILED_SIGN_UPS_PER_ADDRESS,
      counts: (status, locals) => status === 422 && locals[SIGN_UP_TAKEN] === true,
      message: 'Too many refused sign-ups from your network. Please wait a while and try again.',
    }),
  ];
}

/** Wrong current passwords on the account page, per user: a stolen session must not become a guessing oracle. */
export function passwordChangeLimit(store: AttemptStore, userKey: (req: Request) => string): RequestHandler {
  return attemptLimiter(store, {
    name: 'password-change-user',
    windowMs: 15 * MINUTE,
    limit: 10,
    counts: (status) => status >= 400 && status !== 429 && status !== 503,
    key: userKey,
    message: 'Too many attempts to change your password. Please wait a while and try again.',
  });
}

export const RESET_REQUESTS_PER_ADDRESS = { name: 'reset-address', windowMs: 60 * MINUTE, limit: 10 };
export const RESET_REQUESTS_PER_ACCOUNT = { name: 'reset-account', windowMs: 60 * MINUTE, limit: 3 };

/**
 * Password-reset requests: 10 an hour per address, 3 an hour per account (or per unknown address asked
 * about, counted the same way so the limit tells nothing either). Each request may send a mail: these keep
 * Quire from being used to flood someone's inbox and bound what one address can ask about.
 */
export function passwordResetLimits(store: AttemptStore, accountKey: (req: Request) => Promise<string>): RequestHandler[] {
  const answered = (status: number) => status === 303;
  const message = 'Too many password reset requests. Please wait a while and try again.';
  return [
    attemptLimiter(store, { ...RESET_REQUESTS_PER_ADDRESS, counts: answered, message }),
    attemptLimiter(store, { ...RESET_REQUESTS_PER_ACCOUNT, counts: answered, key: accountKey, message }),
  ];
}

export const SECOND_STEP_FAILURES_PER_ACCOUNT = { name: '2fa-fail-account', windowMs: 15 * MINUTE, limit: 5 };
export const SECOND_STEP_FAILURES_PER_ACCOUNT_DAY = { name: '2fa-fail-account-day', windowMs: 24 * 60 * MINUTE, limit: 20 };
export const SECOND_STEP_FAILURES_PER_ADDRESS = { name: '2fa-fail-address', windowMs: 15 * MINUTE, limit: 20 };

/**
 * Wrong codes at the second step of sign-in (401): 5 per account in 15 minutes and 20 a day, 20 per
 * address in 15 minutes. A guess at a 6-digit code accepted over three time steps wins 3 times in a
 * million: at 20 a day, someone who already has the password and guesses without pause has about a 2%
 * chance in a year.
 */
export function secondStepLimits(store: AttemptStore, accountKey: (req: Request) => string): RequestHandler[] {
  const failed = (status: number) => status === 401;
  const message = 'Too many wrong codes. Please wait a while and try again.';
  return [
    attemptLimiter(store, { ...SECOND_STEP_FAILURES_PER_ADDRESS, counts: failed, message }),
    attemptLimiter(store, { ...SECOND_STEP_FAILURES_PER_ACCOUNT, counts: failed, key: accountKey, message }),
    attemptLimiter(store, { ...SECOND_STEP_FAILURES_PER_ACCOUNT_DAY, counts: failed, key: accountKey, message }),
  ];
}

/** Refused attempts on the account's two-factor form (wrong password or code), per user. */
export function accountTwoFactorLimit(store: AttemptStore, userKey: (req: Request) => string): RequestHandler {
  return attemptLimiter(store, {
    name: 'account-2fa-user',
    windowMs: 15 * MINUTE,
    limit: 10,
    counts: (status) => status >= 400 && status !== 429 && status !== 503,
    key: userKey,
    message: 'Too many attempts. Please wait a while and try again.',
  });
}

export const VERIFICATION_RESENDS_PER_ACCOUNT = { name: 'verify-resend-user', windowMs: 60 * MINUTE, limit: 3 };

/** "Send the link again", per account: 3 an hour, so that Quire cannot be used to flood an inbox. */
export function verificationResendLimit(store: AttemptStore, userKey: (req: Request) => string): RequestHandler {
  return attemptLimiter(store, {
    ...VERIFICATION_RESENDS_PER_ACCOUNT,
    counts: (status) => status === 303,
    key: userKey,
    message: 'Too many verification mails asked for. Please wait a while and try again.',
  });
}
