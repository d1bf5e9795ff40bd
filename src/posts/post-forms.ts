// The editor's form, parsed and bounded at the edge; services get a PostInput of plain values.
import { z } from 'zod';
import { invalidField } from '../http/errors.js';
import { SITE_TIME_ZONE, canonicalTimeZone, instantOfWallTime } from '../http/time-zones.js';
import { checkbox, objectId, parseLocalDateTime, requiredText, text } from '../http/validate.js';
import { INTENTS } from './post-content.js';
import type { PostInput } from './posts.service.js';
import { SLUG_MAX, SLUG_PATTERN } from './slugs.js';
import { MAX_TAG_NAME, MAX_TAGS, parseTagList } from './tags.js';

export const BODY_MAX = 200_000;

/**
 * "2026-11-24T09:30" from a datetime-local field: a wall time, read in the author's zone by toPostInput
 * (the label says which); a full ISO string with its offset names its instant whatever the zone.
 */
const publishAt = z
  .string()
  .trim()
  .optional()
  .transform((value, ctx) => {
    if (!value) return null;
    const parsed = parseLocalDateTime(value);
    if (!parsed) {
      ctx.addIssue({ code: 'custom', message: 'Enter a valid date and time.' });
      return z.NEVER;
    }
    return parsed;
  });

/**
 * The zone the editor showed the schedule in (a hidden field): the wall time typed is read in the zone the
 * page named, even if the user changed their zone in another tab since. Absent: the user's own zone.
 */
const formTimeZone = z
  .string()
  .trim()
  .optional()
  .transform((value, ctx) => {
    if (!value) return undefined;
    const zone = canonicalTimeZone(value);
    if (!zone) {
      ctx.addIssue({ code: 'custom', message: 'Unknown time zone: reload the editor.' });
      return z.NEVER;
    }
    return zone;
  });

const tags = z
  .string()
  .max(2000, 'Too many tags.')
  .optional()
  .transform((value, ctx) => {
    const list = parseTagList(value ?? '');
    if (list.length > MAX_TAGS) ctx.addIssue({ code: 'custom', message: `Use at most ${MAX_TAGS} tags.` });
    const long = list.find((t) => t.name.length > MAX_TAG_NAME);
    if (long) ctx.addIssue({ code: 'custom', message: `Tag names must be at most ${MAX_TAG_NAME} characters (“${long.name.slice(0, 20)}…”).` });
    const empty = list.find((t) => !t.slug);
    if (empty) ctx.addIssue({ code: 'custom', message: `Tag names need a letter or digit (a–z, 0–9): “${empty.name}”.` });
    return list;
  });

/** An optional slug (empty: made from the title), lower-cased; `example` shows the form in the message. */
export function slugField(example: string) {
  return z
    .string()
    .trim()
    .toLowerCase()
    .max(SLUG_MAX, `Must be at most ${SLUG_MAX} characters.`)
    .refine((s) => s === '' || SLUG_PATTERN.test(s), `Use lower-case letters, digits and single hyphens (like ${example}).`)
    .optional()
    .default('');
}

/** A Markdown body of at most `max` characters, with line endings made Unix ones. */
export function markdownBodyField(max: number) {
  return z
    .string()
    .max(max, `The body must be at most ${max.toLocaleString('en-US')} characters.`)
    .optional()
    .default('')
    .transform((s) => s.replace(/\r\n?/g, '\n'));
}

const fields = {
  title: requiredText(200, 'Title'),
  slug: slugField('my-first-post'),
  body: markdownBodyField(BODY_MAX),
  excerpt: text(300).optional().default(''),
  tags,
  coverMediaId: z.union([objectId, z.literal('')]).optional().transform((v) => v || null),
  coverAlt: text(300).optional().default(''),
  /** Unticked is absent from the body: comments off on this post. */
  commentsEnabled: checkbox,
  publishAt,
  timeZone: formTimeZone,
  intent: z.enum(INTENTS).optional().default('save'),
};

export const newPostForm = z.object(fields);

/** An edit carries the version it was loaded from (hidden field), for the conflict check. */
export const editPostForm = z.object({
  ...fields,
  version: z.coerce.number({ error: 'This form is missing its version: reload the editor.' }).int().min(1),
});

/** The preview renders whatever is there: an empty title shows as "Untitled". */
export const previewForm = z.object({
  ...fields,
  title: text(200).optional().default(''),
  postId: z.union([objectId, z.literal('')]).optional(),
});

/** The editor's live preview (JSON): the Markdown only. */
export const previewJson = z.object({ body: fields.body });

/**
 * An autosave (JSON): the whole form as it stands, as a draft. A draft is saved before it has a title
 * (so the first words are not lost), under "Untitled"; the status never changes (intent is always save).
 */
const autosaveFields = {
  ...fields,
  title: text(200).optional().default('').transform((t) => t || 'Untitled'),
  intent: z.literal('save').optional().default('save'),
  publishAt: z.unknown().optional().transform(() => null),
};
export const autosaveNewForm = z.object(autosaveFields);
export const autosaveEditForm = z.object({ ...autosaveFields, version: editPostForm.shape.version });

export const restoreForm = z.object({ version: z.coerce.number().int().min(1) });

/**
 * The instant a schedule names: a wall time is read in the form's zone, else the user's, else the site's
 * (UTC). A wall time that a clock change skips (a DST gap) is refused with a 422 (see instantOfWallTime).
 */
function scheduledInstant(publishAt: z.infer<typeof newPostForm>['publishAt'], zone: string): Date | null {
  if (!publishAt) return null;
  if ('at' in publishAt) return publishAt.at;
  const result = instantOfWallTime(publishAt.wall, zone);
  if ('gap' in result) {
    throw invalidField('publishAt', `That time does not exist in ${zone}: the clocks skip it when they change. Choose an earlier or a later time.`);
  }
  return result.date;
}

/** The service's input from the editor's form; `userTimeZone`: the signed-in user's zone, if they chose one. */
export function toPostInput(form: z.infer<typeof newPostForm>, userTimeZone?: string): PostInput {
  return {
    title: form.title,
    slug: form.slug,
    bodyMarkdown: form.body,
    excerpt: form.excerpt,
    tags: form.tags,
    coverMediaId: form.coverMediaId,
    coverAlt: form.coverAlt,
    intent: form.intent,
    publishAt: scheduledInstant(form.publishAt, form.timeZone ?? userTimeZone ?? SITE_TIME_ZONE),
    commentsEnabled: form.commentsEnabled,
  };
}
