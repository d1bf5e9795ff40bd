// Driving the account forms as a browser would: a CSRF pair, the form posted, cookies read back.
import type { Express } from 'express';
import request from 'supertest';
import type { Config } from '../../src/config.js';
import { anonymousSession, cookiesFrom } from './session.js';

export interface SignInAttempt {
  identifier: string;
  password: string;
  next?: string;
  /** Sent as X-Forwarded-For (only meaningful in an app with trustProxy set). */
  ip?: string;
}

/** POST /signin from a fresh anonymous browser. */
export function postSignIn(app: Express, config: Config, attempt: SignInAttempt) {
  const s = anonymousSession(config);
  const req = request(app).post('/signin').type('form').set('Cookie', s.cookie);
  if (attempt.ip) req.set('X-Forwarded-For', attempt.ip);
  const body: Record<string, string> = { _csrf: s.csrf, identifier: attempt.identifier, password: attempt.password };
  if (attempt.next !== undefined) body.next = attempt.next;
  return req.send(body);
}

/** A form POST from a fresh anonymous browser with a valid CSRF pair (`ip`: as for postSignIn). */
export function postAnonymous(app: Express, config: Config, path: string, body: Record<string, string>, options: { ip?: string } = {}) {
  const s = anonymousSession(config);
  const req = request(app).post(path).type('form').set('Cookie', s.cookie);
  if (options.ip) req.set('X-Forwarded-For', options.ip);
  return req.send({ _csrf: s.csrf, ...body });
}

/** The Set-Cookie line for one cookie, or undefined. */
export function setCookieFor(res: { headers: Record<string, unknown> }, name: string): string | undefined {
  const raw = res.headers['set-cookie'];
  const list = Array.isArray(raw) ? (raw as string[]) : typeof raw === 'string' ? [raw] : [];
  return list.find((c) => c.startsWith(`${name}=`));
}

/** The session cookie set by a response, ready for a Cookie header (throws when none was set). */
export function sessionCookieFrom(res: { headers: Record<string, unknown> }): string {
  const line = setCookieFor(res, 'quire_session');
  if (!line || line.startsWith('quire_session=;')) throw new Error('no session cookie set');
  return cookiesFrom(line);
}

/** Page HTML with everything that differs between two renders of the same page removed (CSRF tokens). */
export function withoutTokens(html: string): string {
  return html.replace(/name="_csrf" value="[^"]*"/g, 'name="_csrf" value=""').replace(/_csrf=[^"&]*/g, '_csrf=');
}
