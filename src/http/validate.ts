// Validation at the edge: zod schemas over bodies and queries, so only plain, typed values reach services
// (an operator object such as `email[$ne]=x` or `{"email":{"$gt":""}}` fails here as "expected string").
// `form(view)` names the page to show again, with messages and the input kept, when input is invalid.
// Path parameters are validated in the route line too (`validateParams`): a path that does not fit is a
// page that does not exist (404), and the parsed values outlive Express's reset of req.params, so a form
// re-rendered by the error handler still knows which post or token it was about.
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { z } from 'zod';
import { Invalid, NotFound, type FieldErrors } from './errors.js';
import type { WallTime } from './time-zones.js';

export interface FormView {
  view: string;
  /** The page's own locals; given the error, and may override the messages shown (errors, formError). */
  locals?: (req: Request, res: Response, err: Invalid) => Record<string, unknown> | Promise<Record<string, unknown>>;
}

/** Declares the form page for this route: a 422 from validation or a service re-renders it. */
export function form(view: string, locals?: FormView['locals']): RequestHandler {
  return (_req, res, next) => {
    res.locals.formView = { view, locals } satisfies FormView;
    next();
  };
}

/** Parses req.body with the schema (422 when it does not fit); the result is read back with `inputOf`. */
export function validate(schema: z.ZodType): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    res.locals.input = parse(schema, req.body ?? {});
    next();
  };
}

/** The value `validate(schema)` produced, typed by the same schema. */
export function inputOf<S extends z.ZodType>(_schema: S, res: Response): z.infer<S> {
  return res.locals.input as z.infer<S>;
}

/** Parses req.query with the schema (422 when it does not fit); read back with `queryOf`. */
export function validateQuery(schema: z.ZodType): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    res.locals.queryInput = parse(schema, req.query);
    next();
  };
}

/** The value `validateQuery(schema)` produced, typed by the same schema. */
export function queryOf<S extends z.ZodType>(_schema: S, res: Response): z.infer<S> {
  return res.locals.queryInput as z.infer<S>;
}

/**
 * Parses req.params with the schema; a path that does not fit answers 404 (with `notFoundMessage`, for
 * links that name what was wrong with them). Read back with `paramsOf`, also from the error handler.
 */
export function validateParams(schema: z.ZodType, notFoundMessage?: string): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const result = schema.safeParse(req.params);
    if (!result.success) throw new NotFound(notFoundMessage);
    res.locals.paramsInput = result.data;
    next();
  };
}

/** The value `validateParams(schema)` produced, typed by the same schema. */
export function paramsOf<S extends z.ZodType>(_schema: S, res: Response): z.infer<S> {
  return res.locals.paramsInput as z.infer<S>;
}

/** Parses a value with a schema or throws Invalid with per-field messages. */
export function parse<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new Invalid(fieldErrors(result.error));
}

export function fieldErrors(error: z.ZodError): FieldErrors {
  const fields: FieldErrors = {};
  for (const issue of error.issues) {
    const key = issue.path.length > 0 ? issue.path.map(String).join('.') : '_form';
    (fields[key] ??= []).push(issue.message);
  }
  return fields;
}

// Characters that show nothing, or change how the text around them shows, and have no place in a name or
// title: C0/C1 controls (NUL included), the soft hyphen, bidirectional embeddings, overrides, isolates and
// marks (U+202A-202E, U+2066-2069, U+200E/F, U+061C: "moc.elgoog" shown as "google.com"), zero-width
// characters and joiners (U+200B-200D, U+2060-2064, U+FEFF), Hangul fillers (blank "letters" used for
// empty-looking names) and Unicode tag characters (invisible text).
const INVISIBLE =
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is removed
  /[\u0000-\u0008\u000e-\u001f\u007f-\u0084\u0086-\u009f\u00ad\u061c\u115f\u1160\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\u3164\ufeff\uffa0]|\udb40[\udc00-\udc7f]/g;
// Line breaks and tabs, which a one-line field turns into spaces.
const LINE_BREAKS = /[\t\n\v\f\r\u0085\u2028\u2029]/g;

/**
 * One line of text as Quire keeps it (titles, names, tag names, alt text): NFKC-normalised (full-width
 * and other compatibility forms become their plain letters, so they cannot pass for something else),
 * line breaks and tabs turned into spaces, invisible and direction-changing characters removed, runs of
 * spaces made one, trimmed.
 */
export function cleanLine(value: string): string {
  return value.normalize('NFKC').replace(LINE_BREAKS, ' ').replace(INVISIBLE, '').replace(/\s+/g, ' ').trim();
}

/** Several lines (a bio): the same, but line breaks are kept (as \n) and spaces within lines left alone. */
export function cleanLines(value: string): string {
  return value
    .normalize('NFKC')
    .replace(/\r\n?|[\u0085\u2028\u2029\v\f]/g, '\n')
    .replace(INVISIBLE, '')
    .trim();
}

// Shared field shapes, so every form cleans, trims and bounds text the same way.
export const text = (max: number) => z.string().transform(cleanLine).pipe(z.string().max(max, `Must be at most ${max} characters.`));
export const requiredText = (max: number, label = 'This field') =>
  z
    .string()
    .transform(cleanLine)
    .pipe(z.string().min(1, `${label} is required.`).max(max, `Must be at most ${max} characters.`));
/** A checkbox: present ("on", "true", "1") or absent. */
export const checkbox = z
  .union([z.literal('on'), z.literal('true'), z.literal('1'), z.literal('')])
  .optional()
  .transform((v) => v === 'on' || v === 'true' || v === '1');
/** A page number from ?page=, defaulting to 1. */
// No page given (most requests) is page 1 by default, not by the catch: a caught failure costs a ZodError per request.
export const pageNumber = z.coerce.number().int().min(1).max(1_000_000).default(1).catch(1);
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(Z|[+-]\d{2}:\d{2})?$/;

/**
 * "2026-11-24T09:30" (a datetime-local field, read as UTC) or a full ISO string with its zone, as a Date;
 * null when it names no real moment. (Forms that read a datetime-local in a user's zone use
 * parseLocalDateTime below and convert with http/time-zones.ts.) JavaScript's Date parser shifts impossible values instead of
 * refusing them (February 30 becomes March 2, 24:00 the next midnight), so every part is checked against
 * the calendar here before the Date is made.
 */
export function parseDateTime(value: string): Date | null {
  const m = DATE_TIME.exec(value);
  if (!m) return null;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map((part) => Number(part ?? 0)) as [number, number, number, number, number, number];
  const ms = Number((m[7] ?? '0').padEnd(3, '0'));
  // Years below 1000 would meet Date.UTC's two-digit-year rule (99 -> 1999).
  if (year < 1000 || month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return null;
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day > daysInMonth) return null;
  let offsetMinutes = 0;
  const zone = m[8];
  if (zone && zone !== 'Z') {
    const [zh, zm] = zone.slice(1).split(':').map(Number) as [number, number];
    if (zh > 14 || zm > 59) return null;
    offsetMinutes = (zone.startsWith('-') ? -1 : 1) * (zh * 60 + zm);
  }
  return new Date(Date.UTC(year, month - 1, day, hour, minute, second, ms) - offsetMinutes * 60_000);
}

/**
 * A datetime-local value read as a wall time in some zone: `{ wall }` for "2026-11-24T09:30" (no offset),
 * `{ at }` for a full ISO string that names its own offset; null when it names no real calendar time.
 */
export function parseLocalDateTime(value: string): { wall: WallTime } | { at: Date } | null {
  const m = DATE_TIME.exec(value);
  const date = m ? parseDateTime(value) : null;
  if (!m || !date) return null;
  if (m[8]) return { at: date };
  // parseDateTime read the wall time as UTC: its UTC fields are the wall time's, checked against the calendar.
  return {
    wall: { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate(), hour: date.getUTCHours(), minute: date.getUTCMinutes(), second: date.getUTCSeconds() },
  };
}

/** An optional date and time field (see parseDateTime): null when empty, a 422 message when impossible. */
export const dateTime = z
  .string()
  .trim()
  .optional()
  .transform((value, ctx) => {
    if (!value) return null;
    const date = parseDateTime(value);
    if (!date) {
      ctx.addIssue({ code: 'custom', message: 'Enter a valid date and time.' });
      return z.NEVER;
    }
    return date;
  });

/** A 24-hex-character MongoDB id. */
export const objectId = z.string().regex(/^[a-f0-9]{24}$/i, 'Invalid id.');

/** `/:id` paths: a MongoDB id, or the page does not exist. */
export const idParams = z.object({ id: objectId });

/** One path segment (a slug, a username) no longer than any that can exist: longer ones are not looked up. */
export const pathSegment = (max: number) => z.string().min(1).max(max);

/** Checkboxes named alike (`ids`): absent, one string, or an array when several are ticked; deduplicated ids. */
export const checkedIds = (max: number, noun: string) =>
  z
    .union([z.string(), z.array(z.string())])
    .optional()
    .transform((v) => [...new Set(v === undefined ? [] : Array.isArray(v) ? v : [v])])
    .pipe(z.array(objectId).max(max, `Choose at most ${max} ${noun} at a time.`));

/** A list page's query string to return to after an action (`?role=author&page=2`): nothing but a query. */
export const listQueryString = z
  .string()
  .max(500)
  .regex(/^\?[A-Za-z0-9_=&%.+*-]*$/)
  .optional()
  .catch(undefined);
