// Pages about one person or carrying a secret (accounts, tokens, admin, moderation, editors): no cache may
// keep them and no search engine may list them. One middleware for every router that has such pages.
import type { NextFunction, Request, Response } from 'express';

export function noStoreNoIndex(_req: Request, res: Response, next: NextFunction): void {
  res.set('Cache-Control', 'no-store');
  res.set('X-Robots-Tag', 'noindex, nofollow');
  res.locals.noindex = true;
  next();
}
