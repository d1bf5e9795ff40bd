// One-time messages after a redirect ("Post published."), kept in a short-lived signed cookie because
// Quire has no server-side session store. Shown on the next page, then cleared.
import type { CookieOptions, NextFunction, Request, Response } from 'express';
import { isPersonalRequest, markPersonal } from './personal.js';

export const FLASH_COOKIE = 'quire_flash';
export type FlashKind = 'success' | 'info' | 'warning' | 'danger';
export interface FlashMessage {
  kind: FlashKind;
  text: string;
  /**
   * The element of the next page the message belongs beside (a comment's anchor, `comment-<id>`), so it is
   * shown where the redirect's fragment scrolls to rather than at the top; absent: at the top.
   */
  at?: string;
}

const PLACE = /^comment-[a-f0-9]{24}$/;

export function flashMessages(secure: boolean) {
  const options: CookieOptions = { httpOnly: true, sameSite: 'lax', secure, path: '/', signed: true, maxAge: 60_000 };
  return function flash(req: Request, res: Response, next: NextFunction): void {
    const pending: FlashMessage[] = [];
    res.flash = (kind: FlashKind, text: string, at?: string) => {
      pending.push(at && PLACE.test(at) ? { kind, text, at } : { kind, text });
      res.cookie(FLASH_COOKIE, JSON.stringify(pending), options);
    };
    res.locals.flash = [];
    // Read only from a request the page cache also calls personal (see personal.ts).
    const raw = isPersonalRequest(req) ? req.signedCookies?.[FLASH_COOKIE] : undefined;
    if (typeof raw === 'string' && req.method === 'GET') {
      markPersonal(res);
      res.locals.flash = parseMessages(raw);
      res.clearCookie(FLASH_COOKIE, { path: '/' });
    }
    next();
  };
}

function parseMessages(raw: string): FlashMessage[] {
  try {
    const value: unknown = JSON.parse(raw);
    if (!Array.isArray(value)) return [];
    return value
      .filter((m): m is FlashMessage => typeof m?.text === 'string' && ['success', 'info', 'warning', 'danger'].includes(m?.kind))
      .slice(0, 5)
      .map((m) => (typeof m.at === 'string' && PLACE.test(m.at) ? { kind: m.kind, text: m.text, at: m.at } : { kind: m.kind, text: m.text }));
  } catch {
    return [];
  }
}
