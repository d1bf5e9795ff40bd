// Request logs: one line per request, "GET /posts/x 200 4 ms", with the method, path, status and time
// also as fields for JSON logs in production. Static files (/public, /vendor, /uploads) are logged at
// debug, not info: a page pulls in a handful of them, and at info they would drown the pages.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import { pinoHttp } from 'pino-http';
import type { Logger } from '../logger.js';

const STATIC_PATH = /^\/(?:public|vendor|uploads)\//;

// Query strings may carry a CSRF token (multipart forms) or search terms: only the path is logged.
function pathOf(req: IncomingMessage): string {
  const url = (req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url ?? '';
  return url.split('?')[0]!;
}

export function requestLogger(logger: Logger): RequestHandler {
  return pinoHttp({
    logger,
    serializers: {
      req: (req: { method: string; url: string; id: unknown }) => ({ id: req.id, method: req.method, path: req.url.split('?')[0] }),
      // The status is what a request log needs; response headers (the whole CSP, cookies) are noise.
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
    autoLogging: { ignore: (req) => req.url === '/healthz' },
    customLogLevel: (req: IncomingMessage, res: ServerResponse, err?: Error) => {
      if (err || res.statusCode >= 500) return 'error';
      return STATIC_PATH.test(pathOf(req)) ? 'debug' : 'info';
    },
    customSuccessMessage: (req: IncomingMessage, res: ServerResponse, ms: number) => `${req.method} ${pathOf(req)} ${res.statusCode} ${ms} ms`,
    customErrorMessage: (req: IncomingMessage, res: ServerResponse, err: Error) => `${req.method} ${pathOf(req)} ${res.statusCode} failed: ${err.message}`,
  }) as unknown as RequestHandler;
}
