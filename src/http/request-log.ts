// Request logs: one line per request, "GET /posts/x 200 4 ms", with the method, path, status and time
// also as fields for JSON logs in production. Static files (/public, /vendor, /uploads) are logged at
// debug, not info: a page pulls in a handful of them, and at info they would drown the pages.
//
// Written here rather than with pino-http, because a request line is paid by every request, page-cache
// hits included (about a quarter of a hit's CPU time, in a profile): pino-http made a child logger per request
// (serialising the request into its bindings), three listeners, and ran the process logger's redaction
// on every line. This one registers one listener (and one for errors, as pino-http did), builds the
// record from four fields, and writes it through a child logger without redaction: the record never
// holds a header, a cookie or a query string, which is what the redaction is for (src/logger.ts).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../logger.js';

const STATIC_PATH = /^\/(?:public|vendor|uploads)\//;

/** Logs a request when its response is done; usable as Express middleware and from a node:http listener. */
export type RequestLogger = (req: IncomingMessage, res: ServerResponse, next?: () => void) => void;

// Paths that carry a secret: a link that resets a password, accepts an invitation or verifies an address.
// Whoever reads the logs must not be able to follow one.
const SECRET_IN_PATH = /^(\/(?:password\/reset|invite|verify-email)\/)[^/]+/;

/**
 * A URL as logs may show it: the path only (query strings may carry a CSRF token on multipart forms, or
 * search terms), with the secret of a one-time link replaced by `[token]`. Used by every log line that
 * names a request (this one, the error handler's).
 */
export function loggablePath(url: string): string {
  const query = url.indexOf('?');
  const path = query === -1 ? url : url.slice(0, query);
  return path.replace(SECRET_IN_PATH, '$1[token]');
}

export function requestLogger(logger: Logger): RequestLogger {
  const log = logger.child({}, { redact: [] });
  let lastId = 0;
  return function logRequest(req, res, next) {
    const id = ++lastId;
    // Taken now: Express rewrites req.url inside mounted routers.
    const path = loggablePath(req.url ?? '');
    if (path === '/healthz') return next?.();
    const started = Date.now();
    const done = (err?: Error) => {
      res.removeListener('close', done);
      res.removeListener('error', done);
      const status = res.statusCode;
      const failed = err !== undefined || status >= 500;
      const level = failed ? 'error' : STATIC_PATH.test(path) ? 'debug' : 'info';
      if (!log.isLevelEnabled(level)) return;
      const ms = Date.now() - started;
      const record = { req: { id, method: req.method, path }, res: { statusCode: status }, responseTime: ms };
      if (!failed) return log[level](record, `${req.method} ${path} ${status} ${ms} ms`);
      // The error handler logs the error itself, with its stack; this line says which request failed.
      if (err) log.error({ ...record, err }, `${req.method} ${path} ${status} failed: ${err.message}`);
      else log.error(record, `${req.method} ${path} ${status} failed: failed with status code ${status}`);
    };
    // 'close' comes once the response is written or the connection has gone, whichever is first.
    res.on('close', done);
    res.on('error', done);
    next?.();
  };
}
