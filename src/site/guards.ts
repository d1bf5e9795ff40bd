// Route guards every domain's routers use: signed in, allowed an action, the signed-in user. They read
// what the session loader (src/auth/middleware.ts) put on the request, so they sit below every domain.
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { Forbidden, NotFound } from '../http/errors.js';
import type { ActingContext } from './audit.service.js';
import { can, type Action, type CurrentUser, type NamedActor } from './permissions.js';

export const SUSPENDED_NOTICE = 'Your account has been suspended by an administrator, so you are signed out. If you think this is a mistake, please contact the site administrator.';

/** To sign in, keeping where the visitor was going (and telling a just-suspended user why: loadUser marks it). */
function signInRedirect(req: Request, res: Response): void {
  if (res.locals.accountSuspended) res.flash('danger', SUSPENDED_NOTICE);
  res.redirect(303, `/signin?next=${encodeURIComponent(req.originalUrl)}`);
}

/** Anonymous visitors are sent to sign in (303), keeping where they were going. */
export const requireAuth: RequestHandler = (req, res, next) => {
  if (!req.user) return signInRedirect(req, res);
  next();
};

/** Signed in and allowed the action on at least their own things, else 303 to sign in or 403. */
export function requireCan(action: Action): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    if (!req.user) return signInRedirect(req, res);
    if (!can(req.user, action)) return next(new Forbidden());
    next();
  };
}

/** The signed-in user in a handler behind requireAuth/requireCan (throws if a route forgot the guard). */
export function currentUser(req: Request): CurrentUser {
  if (!req.user) throw new NotFound();
  return req.user;
}

/** The signed-in user as services take them (id, role, name): the one actor shape routers hand down. */
export function currentActor(req: Request): NamedActor {
  const user = currentUser(req);
  return { id: user.id, role: user.role, displayName: user.displayName };
}

/** Who acts and from where, for services that record it in the audit log (they never see the request). */
export function actingContext(req: Request): ActingContext {
  return { actor: currentActor(req), ip: req.ip };
}
