// The comment forms and queries, parsed and bounded at the edge.
import { z } from 'zod';
import { checkedIds, objectId, pageNumber } from '../http/validate.js';
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
  /** The comment this one replies to (the reply forms under comments); absent for a new thread. */
  parent: z.union([objectId, z.literal('')]).optional().transform((v) => v || undefined),
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

/** `seen`: the status the moderator's page showed (a decision is not applied over someone else's since). */
export const moderationForm = z.object({ back: returnPath, seen: z.enum(COMMENT_STATUSES).optional() });

export const queueQuery = z.object({
  status: z.enum(COMMENT_STATUSES).optional().catch(undefined),
  page: pageNumber,
});


/** The queue's `seen-<id>` fields: the status it showed for each of its comments. */
const SEEN_FIELD = /^seen-([a-f0-9]{24})$/;

/**
 * `seen`: what the queue showed of each comment (its `seen-<id>` fields), so that a bulk approval or
 * rejection is not applied over another moderator's decision made since, as with a single one.
 */
export const bulkForm = z.preprocess(
  (body) => {
    if (body === null || typeof body !== 'object') return body;
    const seen: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(body)) {
      const id = SEEN_FIELD.exec(name)?.[1];
      if (id) seen[id] = value;
    }
    return { ...body, seen };
  },
  z.object({
    action: z.enum(BULK_ACTIONS, { message: 'Choose an action.' }),
    ids: checkedIds(BULK_MAX, 'comments'),
    seen: z.record(z.string(), z.enum(COMMENT_STATUSES)),
    confirm: z.literal('yes').optional(),
    back: returnPath,
  }),
);
