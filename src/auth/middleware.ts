// Request-time authentication: loadUser reads the session on every request and loads the user fresh (one
// indexed read by _id), so a role change or suspension takes effect on the next request. The guards that
// routers put in front of their pages read what it sets, and live below the domains (src/site/guards.ts).
import type { KeyObject } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { isPersonalRequest, markPersonal } from '../http/personal.js';
import { User, type CurrentUser } from '../users/user.model.js';
import { avatarUrl } from '../users/avatar.js';
import { atLeast, type Role } from '../site/permissions.js';
import { SUSPENDED_NOTICE } from '../site/guards.js';
import { SESSION_COOKIE, clearSessionCookie, verifySession } from './session.js';
import { isSetupComplete, knownSetupComplete } from './setup-state.js';

export function loadUser(sessionKey: KeyObject, secureCookies: boolean): RequestHandler {
  // Visitors without a session cookie (most readers) pass synchronously. The session is looked for only
  // in a request that the page cache also calls personal (http/personal.ts): whatever the Cookie header
  // looks like, a request the cache may answer for everyone is never signed in.
  return function loadUserMiddleware(req: Request, res: Response, next: NextFunction) {
    req.user = null;
    const token = isPersonalRequest(req) ? req.cookies?.[SESSION_COOKIE] : undefined;
    if (typeof token !== 'string' || !token) {
      res.locals.currentUser = null;
      return next();
    }
    signedInUser(token, sessionKey, res, secureCookies).then(({ user, sessionId, suspended }) => {
      req.user = user;
      req.sessionId = sessionId;
      if (suspended) res.locals.accountSuspended = true;
      res.locals.currentUser = user;
      // Rendered for one reader from here on: private, never stored by any shared cache.
      if (user) markPersonal(res);
      next();
    }, next);
  };
}

/**
 * The user a session token names, if it is valid and current; clears the cookie when it is not. The
 * token's id (what CSRF tokens are bound to) is given for any genuine token, current or not: a form
 * posted from a session that was since revoked or suspended passes the CSRF check it was made for, and
 * then meets the guards as the anonymous request it now is (303 to sign in), not a puzzling 403.
 */
async function signedInUser(
  token: string,
  sessionKey: KeyObject,
  res: Response,
  secureCookies: boolean,
): Promise<{ user: CurrentUser | null; sessionId: string | undefined; suspended?: boolean }> {
  const claims = verifySession(token, sessionKey);
  const doc = claims ? await User.findById(claims.sub, 'username email displayName role status tokenVersion avatarKey revokedSessions totpEnabledAt emailVerifiedAt timeZone').lean() : null;
  const revoked = doc?.revokedSessions?.some((r) => r.jti === claims?.jti) ?? false;
  if (!claims || !doc || doc.status !== 'active' || doc.tokenVersion !== claims.ver || revoked) {
    clearSessionCookie(res, secureCookies);
    // A genuine session of an account suspended since (not one signed out on purpose): its holder is
    // told why, once, instead of finding themselves silently signed out (explainSuspension).
    return { user: null, sessionId: claims?.jti, suspended: Boolean(claims && doc && doc.status === 'suspended' && !revoked) };
  }
  const user: CurrentUser = {
    id: String(doc._id),
    username: doc.username,
    email: doc.email,
    displayName: doc.displayName,
    role: doc.role as Role,
    avatarUrl: avatarUrl(doc.avatarKey),
    twoFactor: Boolean(doc.totpEnabledAt),
    emailVerified: Boolean(doc.emailVerifiedAt),
    ...(doc.timeZone ? { timeZone: doc.timeZone } : {}),
  };
  return { user, sessionId: claims.jti };
}

const SETUP_EXEMPT = /^\/(setup|healthz|public|vendor|uploads|favicon\.ico|robots\.txt)(\/|$)/;

/** While no account exists, every page leads to /setup. */
export const requireSetupComplete: RequestHandler = (req, res, next) => {
  if (knownSetupComplete() || SETUP_EXEMPT.test(req.path)) return next();
  isSetupComplete().then((complete) => (complete ? next() : res.redirect(303, '/setup')), next);
};

/**
 * Tells a suspended user why they are signed out, on the request where their session is refused: on the
 * page it renders, or, when that request is sent to sign in, on the sign-in page (signInRedirect).
 * Mounted after the flash messages.
 */
export const explainSuspension: RequestHandler = (_req, res, next) => {
  if (res.locals.accountSuspended) {
    // A page with a message for one person: private, never stored by a shared cache.
    markPersonal(res);
    res.locals.flash = [...(res.locals.flash ?? []), { kind: 'danger', text: SUSPENDED_NOTICE }];
  }
  next();
};

// What staff without 2FA may still reach when the site requires it: the enrolment page itself, signing
// out, and files.
const ENROLMENT_EXEMPT = /^\/(account\/2fa|signout|public|vendor|uploads|healthz|favicon\.ico)(\/|$)/;

/**
 * When the site requires two-factor sign-in for editors and admins (a setting), such a user without it is
 * sent to enrol before anything else: every other page and action answers 303 to /account/2fa.
 */
export function requireStaffTwoFactor(required: () => Promise<boolean>): RequestHandler {
  return (req, res, next) => {
    const user = req.user;
    if (!user || user.twoFactor || !atLeast(user.role, 'editor') || ENROLMENT_EXEMPT.test(req.path)) return next();
    required().then((yes) => {
      if (!yes) return next();
      res.flash('warning', 'This site requires two-factor sign-in for editors and admins. Turn it on to continue.');
      res.redirect(303, '/account/2fa');
    }, next);
  };
}
