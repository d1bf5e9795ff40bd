// Request-time authentication: loadUser reads the session on every request and loads the user fresh (one
// indexed read by _id), so a role change or suspension takes effect on the next request. The guards that
// routers put in front of their pages read what it sets, and live below the domains (src/site/guards.ts).
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { isPersonalRequest, markPersonal } from '../http/personal.js';
import { User, type CurrentUser } from '../users/user.model.js';
import { avatarUrl } from '../users/avatar.js';
import type { Role } from '../site/permissions.js';
import { SESSION_COOKIE, clearSessionCookie, verifySession } from './session.js';
import { isSetupComplete, knownSetupComplete } from './setup-state.js';

export function loadUser(sessionKey: Buffer, secureCookies: boolean): RequestHandler {
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
    signedInUser(token, sessionKey, res, secureCookies).then(({ user, sessionId }) => {
      req.user = user;
      req.sessionId = sessionId;
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
  sessionKey: Buffer,
  res: Response,
  secureCookies: boolean,
): Promise<{ user: CurrentUser | null; sessionId: string | undefined }> {
  const claims = verifySession(token, sessionKey);
  const doc = claims ? await User.findById(claims.sub, 'username email displayName role status tokenVersion avatarKey revokedSessions').lean() : null;
  const revoked = doc?.revokedSessions?.some((r) => r.jti === claims?.jti) ?? false;
  if (!claims || !doc || doc.status !== 'active' || doc.tokenVersion !== claims.ver || revoked) {
    clearSessionCookie(res, secureCookies);
    return { user: null, sessionId: claims?.jti };
  }
  const user: CurrentUser = {
    id: String(doc._id),
    username: doc.username,
    email: doc.email,
    displayName: doc.displayName,
    role: doc.role as Role,
    avatarUrl: avatarUrl(doc.avatarKey),
  };
  return { user, sessionId: claims.jti };
}

const SETUP_EXEMPT = /^\/(setup|healthz|public|vendor|uploads|favicon\.ico|robots\.txt)(\/|$)/;

/** While no account exists, every page leads to /setup. */
export const requireSetupComplete: RequestHandler = (req, res, next) => {
  if (knownSetupComplete() || SETUP_EXEMPT.test(req.path)) return next();
  isSetupComplete().then((complete) => (complete ? next() : res.redirect(303, '/setup')), next);
};
