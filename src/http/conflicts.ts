// What a route shows when its write meets a 409 Conflict (an edit over a newer version, a last-admin or
// self rule): declared in the route line, as `form(view)` declares the page a 422 re-renders, and carried
// out by the one error handler, so routers hold no try/catch. The route declares it, not the error:
// services throw a plain Conflict with its context and know nothing of pages, flashes or redirects, and
// the same service conflict can be a page on one route and a flash on another.
import type { Request, RequestHandler, Response } from 'express';
import type { Conflict } from './errors.js';

/** Answers a Conflict: renders a page (with status 409) or redirects. */
export type ConflictResponse = (err: Conflict, req: Request, res: Response) => void | Promise<void>;

/** Declares this route's answer to a Conflict; without one, the error page shows the message with 409. */
export function onConflict(respond: ConflictResponse): RequestHandler {
  return (_req, res, next) => {
    res.locals.onConflict = respond;
    next();
  };
}

/** The declared answer, if the route made one (read by the error handler). */
export function conflictResponseOf(res: Response): ConflictResponse | undefined {
  return res.locals.onConflict as ConflictResponse | undefined;
}

/** A page for the conflict, rendered with 409: `locals` are given the error (its message and context). */
export function conflictPage(view: string, locals: (err: Conflict, req: Request, res: Response) => Record<string, unknown> | Promise<Record<string, unknown>>): RequestHandler {
  return onConflict(async (err, req, res) => {
    res.status(409).render(view, await locals(err, req, res));
  });
}

/** Back to a list with the reason as a danger flash and nothing changed (303). */
export function conflictFlash(redirectTo: (req: Request, res: Response) => string): RequestHandler {
  return onConflict((err, req, res) => {
    res.flash('danger', err.message);
    res.redirect(303, redirectTo(req, res));
  });
}
