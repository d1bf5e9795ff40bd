// Multipart uploads, bounded so that a hostile request cannot exhaust memory or disk. Files are held in
// memory (never written under a client-chosen name), at most `maxFiles` of at most `maxBytes` each, with
// small limits on everything else a multipart body can carry. A body that declares more than all of that
// together is refused before a byte of it is parsed, and at most MAX_UPLOADS_IN_FLIGHT uploads are read
// at once per process (503 beyond), so many slow uploads together cannot either.
//
// Put the guard that decides who may upload BEFORE this in the route, so strangers' bodies are never read:
//   router.post('/media', requireCan('media:upload'), form('media/index', ...), ...acceptUpload('file', {...}), handler)
// The CSRF token of a multipart form travels in the query (`?_csrf=`) or the x-csrf-token header, and is
// checked by the global CSRF middleware before this runs.
//
// Status codes: too large a file, too many files (or parts, fields, field bytes) -> 413, because the
// client sent more than a request may carry and can fix it by sending less; a malformed body or a file
// in an unexpected field -> 400; no file at all (or not multipart) -> 422 naming the field.
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import multer from 'multer';
import { AppError, PayloadTooLarge, ServiceUnavailable, invalidField } from './errors.js';

export interface UploadOptions {
  /** Largest accepted file, in bytes (config.maxUploadBytes). */
  maxBytes: number;
  /** Files accepted in this field per request (default 1). */
  maxFiles?: number;
}

const MAX_FIELDS = 20;
const MAX_PARTS = 30;
const MAX_FIELD_BYTES = 100 * 1024;
const MAX_PART_HEADERS = 20;
// Boundaries and part headers, on top of files and fields.
const FRAMING_ALLOWANCE = 64 * 1024;
export const MAX_UPLOADS_IN_FLIGHT = 16;
let uploadsInFlight = 0;

export function acceptUpload(field: string, options: UploadOptions): RequestHandler[] {
  const maxFiles = options.maxFiles ?? 1;
  const upload = multer({
    storage: multer.memoryStorage(),
    // Browsers send file names as raw UTF-8; busboy's latin1 default would garble "café.jpg".
    defParamCharset: 'utf8',
    limits: {
      fileSize: options.maxBytes,
      files: maxFiles,
      fields: MAX_FIELDS,
      parts: MAX_PARTS,
      fieldSize: MAX_FIELD_BYTES,
      fieldNameSize: 100,
      headerPairs: MAX_PART_HEADERS,
      // Flat forms only: no `a[b]` objects in req.body.
      fieldNestingDepth: 0,
    },
  }).array(field, maxFiles);
  const maxBody = maxFiles * options.maxBytes + MAX_FIELDS * MAX_FIELD_BYTES + FRAMING_ALLOWANCE;

  const guardSize: RequestHandler = (req, res, next) => {
    // A refused file (400, 413, 415) on a route that declared its form is shown on that form, beside this
    // field, by the error handler (src/http/error-handler.ts).
    res.locals.uploadField = field;
    if (!req.is('multipart/form-data')) return next();
    // A chunked body (no length) is still bounded by multer's limits as it streams.
    const declared = Number(req.get('content-length'));
    if (declared > maxBody) {
      res.set('Connection', 'close');
      return next(new PayloadTooLarge(tooLargeMessage(options.maxBytes, maxFiles)));
    }
    if (uploadsInFlight >= MAX_UPLOADS_IN_FLIGHT) {
      res.set('Connection', 'close');
      return next(new ServiceUnavailable('Too many uploads at once. Please try again in a moment.'));
    }
    // Counted until the response is done (or the client goes away), whichever comes first.
    uploadsInFlight++;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      uploadsInFlight--;
    };
    res.once('finish', release);
    res.once('close', release);
    next();
  };

  const parse: RequestHandler = (req: Request, res: Response, next: NextFunction) => {
    upload(req, res, (err?: unknown) => next(err ? translate(err, field, options.maxBytes, maxFiles) : undefined));
  };

  const requireFile: RequestHandler = (req, _res, next) => {
    const files = Array.isArray(req.files) ? req.files : [];
    if (files.length === 0) return next(invalidField(field, 'Choose an image file to upload.'));
    req.file = files[0];
    next();
  };

  return [guardSize, parse, requireFile];
}

/** Uploads being read or processed right now (for tests and diagnostics). */
export function uploadsInProgress(): number {
  return uploadsInFlight;
}

/** The uploaded files of a route behind acceptUpload (one or more). */
export function uploadedFiles(req: Request): Express.Multer.File[] {
  return Array.isArray(req.files) ? req.files : req.file ? [req.file] : [];
}

function tooLargeMessage(maxBytes: number, maxFiles: number): string {
  const mb = Math.round((maxBytes / (1024 * 1024)) * 10) / 10;
  return `That upload is too large: each file may be at most ${mb} MB${maxFiles > 1 ? `, ${maxFiles} files at a time` : ''}.`;
}

function translate(err: unknown, field: string, maxBytes: number, maxFiles: number): unknown {
  if (err instanceof AppError) return err;
  if (err instanceof multer.MulterError) {
    switch (err.code) {
      case 'LIMIT_FILE_SIZE':
        return new PayloadTooLarge(tooLargeMessage(maxBytes, maxFiles));
      case 'LIMIT_FILE_COUNT':
        return new PayloadTooLarge(`Too many files: at most ${maxFiles} per upload.`);
      case 'LIMIT_UNEXPECTED_FILE':
        return err.field === field
          ? new PayloadTooLarge(`Too many files: at most ${maxFiles} per upload.`)
          : new AppError(400, 'That upload has a file in an unexpected field.');
      case 'LIMIT_PART_COUNT':
      case 'LIMIT_FIELD_COUNT':
      case 'LIMIT_FIELD_VALUE':
        return new PayloadTooLarge('That upload carries too many or too large form fields.');
      default:
        return new AppError(400, 'That upload could not be read.');
    }
  }
  // busboy: malformed multipart (no boundary, unexpected end of form), or the client went away.
  return new AppError(400, 'That upload could not be read.');
}
