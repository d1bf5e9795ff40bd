// The path parameters of post URLs, validated in the route line (http/validate.ts validateParams): a slug
// longer than any kept one (old slugs included) is not looked up, it is a 404.
import { z } from 'zod';
import { objectId, pathSegment } from '../http/validate.js';

export const POST_SLUG_PARAM_MAX = 200;

/** `/posts/:slug...` */
export const postSlugParams = z.object({ slug: pathSegment(POST_SLUG_PARAM_MAX) });

/** `/posts/:slug/revisions/:id...` */
export const revisionParams = z.object({ slug: pathSegment(POST_SLUG_PARAM_MAX), id: objectId });
