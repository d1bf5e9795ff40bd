// Limits on guessing. Failed sign-ins are counted per account and per client address; past the limit
// the answer is 429 with Retry-After (through the error handler) until the window ends.
//
// Each limiter counts a request when it arrives and takes it back when the answer turns out not to be
// a failure, so the check happens BEFORE the password is hashed and a burst of parallel guesses cannot
// slip through while the first ones are still hashing. Counters live in memory, per createApp() (one
// process; a multi-instance deployment would give express-rate-limit a shared store).
import type { Request, RequestHandler } from 'express';
import { rateLimit, type RateLimitInfo } from 'express-rate-limit';
import { TooManyRequests } from '../http/errors.js';

const MINUTE = 60_000;

interface AttemptLimit {
  windowMs: number;
  limit: number;
  /** Whether an answer with this status counts against the limit. */
  counts: (status: number) => boolean;
  /** The counter's key; the client address (IPv6 by /56) when absent. */
  key?: (req: Request) => string | Promise<string>;
  message: string;
}

function attemptLimiter(spec: AttemptLimit): RequestHandler {
  return rateLimit({
    windowMs: spec.windowMs,
    limit: spec.limit,
    standardHeaders: false,
    legacyHeaders: false,
    skipSuccessfulRequests: true,
    requestWasSuccessful: (_req, res) => !spec.counts(res.statusCode),
    ...(spec.key ? { keyGenerator: spec.key } : {}),
    handler: (req, _res, next) => {
      const info = (req as Request & { rateLimit?: RateLimitInfo }).rateLimit;
      const seconds = info?.resetTime ? Math.ceil((info.resetTime.getTime() - Date.now()) / 1000) : spec.windowMs / 1000;
      next(new TooManyRequests(Math.max(1, seconds), spec.message));
    },
  });
}

// A sign-in fails with 401 (wrong credentials) or 403 (suspended, password right). A 422 never reached a
// password check, and 503 (hashing queue full) says nothing about the password: neither counts.
const failedSignIn = (status: number) => status === 401 || status === 403;
const SIGN_IN_MESSAGE = 'Too many failed sign-in attempts. Please wait a while and try again.';

export interface SignInLimits {
  perAddress: RequestHandler;
  perAccount: RequestHandler;
}

/** 10 failures per account and 30 per address in 15 minutes (an office or a school shares one address). */
export function signInLimits(accountKey: (req: Request) => Promise<string>): SignInLimits {
  return {
    perAddress: attemptLimiter({ windowMs: 15 * MINUTE, limit: 30, counts: failedSignIn, message: SIGN_IN_MESSAGE }),
    perAccount: attemptLimiter({ windowMs: 15 * MINUTE, limit: 10, counts: failedSignIn, key: accountKey, message: SIGN_IN_MESSAGE }),
  };
}

/** Accounts created from one address: 10 an hour (each costs a password hash and a row). */
export function signUpLimit(): RequestHandler {
  return attemptLimiter({
    windowMs: 60 * MINUTE,
    limit: 10,
    counts: (status) => status < 400,
    message: 'Too many accounts were created from your network. Please try again later.',
  });
}

/** Wrong current passwords on the account page, per user: a stolen session must not become a guessing oracle. */
export function passwordChangeLimit(userKey: (req: Request) => string): RequestHandler {
  return attemptLimiter({
    windowMs: 15 * MINUTE,
    limit: 10,
    counts: (status) => status >= 400 && status !== 429,
    key: userKey,
    message: 'Too many attempts to change your password. Please wait a while and try again.',
  });
}
