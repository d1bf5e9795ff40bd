// The one error handler: every failure becomes a friendly page (or JSON, where JSON was asked for) with
// the right status. A 422 with a declared form re-renders that form with messages and the input kept, and
// so does a refused upload (400, 413, 415) on a form with a file field, with its own status. A 409 on a
// route that declared its answer (conflicts.ts: a page with both versions, or a flash and a redirect) gets
// that answer.
import type { ErrorRequestHandler, Request, Response } from 'express';
import { isConnectionDropped, isDatabaseUnavailable } from '../db/outage.js';
import type { Logger } from '../logger.js';
import { dropSharedCacheHeaders } from './cdn-headers.js';
import { conflictResponseOf } from './conflicts.js';
import { AppError, Conflict, Invalid, NotFound, PayloadTooLarge, ServiceUnavailable } from './errors.js';
import { wantsJson } from './negotiation.js';
import { loggablePath } from './request-log.js';
import type { FormView } from './validate.js';
import { ensureLayoutLocals, type PageContext } from './views.js';

const TITLES: Record<number, string> = {
  400: 'Bad request',
  401: 'Sign-in required',
  403: 'Not allowed',
  404: 'Page not found',
  409: 'Edit conflict',
  413: 'Too large',
  415: 'Unsupported file',
  422: 'Please check the form',
  429: 'Too many attempts',
  500: 'Something went wrong',
  503: 'Temporarily unavailable',
};

/** Statuses of an upload refused for its file: shown on the form that sent it. */
const UPLOAD_REFUSALS = new Set([400, 413, 415]);

export function errorHandler(logger: Logger, showStack: boolean, page: PageContext): ErrorRequestHandler {
  return async (rawError: unknown, req, res, next) => {
    if (res.headersSent) return next(rawError);
    const err = toAppError(rawError);
    if (err.status >= 500) logger.error({ err: rawError, path: loggablePath(req.originalUrl) }, 'request failed');

    const retryAfter = err.details.retryAfterSeconds;
    if (retryAfter !== undefined) res.set('Retry-After', String(Math.max(1, Math.ceil(retryAfter))));
    if (err.status >= 400) res.set('Cache-Control', 'no-store');
    // A page that failed after declaring its surrogate keys is not that page: no CDN keeps it.
    dropSharedCacheHeaders(res);

    if (wantsJson(req)) {
      res.status(err.status).json({ error: { status: err.status, message: err.message, fields: err.details.fields } });
      return;
    }

    await ensureLayoutLocals(req, res, page);
    const conflictResponse = err instanceof Conflict ? conflictResponseOf(res) : undefined;
    if (conflictResponse) {
      try {
        await conflictResponse(err as Conflict, req, res);
        return;
      } catch (respondError) {
        logger.error({ err: respondError }, 'could not answer the conflict as the route declared');
      }
    }
    const formView = res.locals.formView as FormView | undefined;
    const uploadField = res.locals.uploadField as string | undefined;
    const refusedUpload = Boolean(uploadField) && UPLOAD_REFUSALS.has(err.status);
    if (formView && (err instanceof Invalid || refusedUpload)) {
      try {
        const invalid = err instanceof Invalid ? err : new Invalid({ [uploadField!]: [err.message] }, err.message);
        const extra = formView.locals ? await formView.locals(req, res, invalid) : {};
        res.status(err.status).render(formView.view, { errors: invalid.fields, values: keptValues(req), formError: err.message, ...extra });
        return;
      } catch (renderError) {
        logger.error({ err: renderError }, 'could not re-render form');
      }
    }

    res.status(err.status).render('errors/error', {
      title: TITLES[err.status] ?? 'Error',
      status: err.status,
      message: err.status >= 500 ? 'Something went wrong on our side. Please try again.' : err.message,
      context: err.details.context ?? {},
      fields: err.details.fields ?? {},
      stack: showStack && err.status >= 500 && rawError instanceof Error ? rawError.stack : undefined,
    });
  };
}

function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const e = err as { status?: number; statusCode?: number; type?: string; code?: string | number; name?: string; message?: string };
  // multer
  if (e?.code === 'LIMIT_FILE_SIZE') return new PayloadTooLarge();
  if (typeof e?.code === 'string' && e.code.startsWith('LIMIT_')) {
    return new AppError(e.code === 'LIMIT_FILE_COUNT' || e.code === 'LIMIT_PART_COUNT' ? 413 : 400, 'That upload was refused: ' + (e.message ?? e.code));
  }
  // body-parser and other http-errors
  if (e?.type === 'entity.too.large') return new PayloadTooLarge('That request is too large.');
  const status = e?.status ?? e?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) return new AppError(status, e.message ?? 'Bad request');
  // A malformed id in a URL is simply not found.
  if (e?.name === 'CastError') return new NotFound();
  // The database is down or restarting (the embedded one is restarted by embedded.ts): a quick 503 asking
  // to come back shortly, not a 500.
  if (isDatabaseUnavailable(err)) return new ServiceUnavailable('The database is not answering right now. Please try again in a moment.', 5);
  if (isConnectionDropped(err)) return new ServiceUnavailable('A service Quire relies on dropped the connection. Please try again in a moment.', 5);
  return new AppError(500, 'Internal error');
}

// The input kept on a form shown again: never passwords or the CSRF token.
function keptValues(req: Request): Record<string, unknown> {
  const body = (req.body ?? {}) as Record<string, unknown>;
  const kept: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) {
    if (/password/i.test(key) || key === '_csrf') continue;
    if (typeof value === 'string' || Array.isArray(value)) kept[key] = value;
  }
  return kept;
}

/** Final 404 for any path no router claimed. */
export function notFound(_req: Request, _res: Response): never {
  throw new NotFound();
}
