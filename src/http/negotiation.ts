// Content negotiation shared by every responder that can answer a page or JSON (the error handler, the
// media upload): the one definition of "this client wants JSON".
import type { Request } from 'express';

/** Scripts (the XHR upload, API clients) ask for JSON first; browsers and forms get pages. */
export function wantsJson(req: Request): boolean {
  return req.accepts(['html', 'json']) === 'json';
}
