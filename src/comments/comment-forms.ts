// The comment forms and queries, parsed and bounded at the edge.
import { z } from 'zod';
import { objectId, pageNumber } from '../http/validate.js';
import { COMMENT_MAX_LENGTH, COMMENT_STATUSES } from './comment.model.js';
import { BULK_ACTIONS, BULK_MAX } from './moderation.service.js';

export const commentForm = z.object({
  body: z
    .string({ message: 'Write something first.' })
    .transform((s) => s.replace(/\r\n?/g, '\n').trim())
    .pipe(
      z
        .string()
        .min(1, 'Write something first.')
        .max(COMMENT_MAX_LENGTH, `Comments are limited to ${COMMENT_MAX_LENGTH.toLocaleString('en-US')} characters.`),
    ),
});

/**
 * Where a moderation button returns to: the queue (with its own query string) or a post page. Only these
 * two shapes of same-site path are accepted, so the field cannot send anyone elsewhere.
 */
export const returnPath = z
  .string()
  .max(300)
  .regex(/^\/(?:admin\/comments(?:\?[A-Za-z0-9_=&%.+-]*)?|posts\/[a-z0-9-]+(?:#comment-[a-f0-9]{24}|#comments)?)$/)
  .optional()
  .catch(undefined);

export const moderationForm = z.object({ back: returnPath });

export const queueQuery = z.object({
  status: z.enum(COMMENT_STATUSES).optional().catch(undefined),
  page: pageNumber,
});

/** Checkboxes named `ids`: absent, one string, or an array when several are ticked. */
const idList = z
  .union([z.string(), z.array(z.string())])
  .optional()
  .transform((v) => [...new Set(v === undefined ? [] : Array.isArray(v) ? v : [v])])
  .pipe(z.array(objectId).max(BULK_MAX, `Choose at most ${BULK_MAX} comments at a time.`));

export const bulkForm = z.object({
  action: z.enum(BULK_ACTIONS, { message: 'Choose an action.' }),
  ids: idList,
  confirm: z.literal('yes').optional(),
  back: returnPath,
});
