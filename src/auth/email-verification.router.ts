// /verify-email: the emailed link opens a confirmation page whose POST (CSRF-checked globally) marks the
// address verified, so that a mail scanner fetching the link cannot use it up; and the "send the link
// again" POST from the comment form, limited per account. Rules live in email-verification.service.ts.
import { Router, type Request, type RequestHandler, type Response } from 'express';
import { z } from 'zod';
import type { RouterDeps } from '../router-deps.js';
import { Forbidden } from '../http/errors.js';
import { inputOf, paramsOf, validate, validateParams } from '../http/validate.js';
import { noStoreNoIndex } from '../http/no-store.js';
import { deliverInBackground } from '../mail/deliver.js';
import { currentUser, requireAuth } from '../site/guards.js';
import { getSettings } from '../site/settings.service.js';
import { verificationResendLimit } from './attempt-limits.js';
import { AttemptStore } from './attempt-store.js';
import { INVALID_VERIFY_LINK, VERIFY_TO_COMMENT, VERIFY_TTL_HOURS, completeEmailVerification, mustVerifyEmail, sendVerificationMail, verificationTarget } from './email-verification.service.js';
import { safeNextPath } from './next-path.js';
import { tokenParams } from './secret-token.js';

const resendForm = z.object({ next: z.unknown().transform((v) => safeNextPath(v)) });

/** For the comment routes: an unverified reader, while the site asks for verification, gets 403 and why. */
export const requireVerifiedEmail: RequestHandler = async (req, _res, next) => {
  if (await mustVerifyEmail(req.user)) throw new Forbidden(VERIFY_TO_COMMENT);
  next();
};

/** Tells the templates (the comment form) that this reader must verify first. */
export const verificationLocals: RequestHandler = (req, res, next) => {
  // Synchronous for visitors without a session (every page-cache miss): no promise per request.
  if (!req.user) {
    res.locals.mustVerifyEmail = false;
    return next();
  }
  mustVerifyEmail(req.user).then((must) => {
    res.locals.mustVerifyEmail = must;
    next();
  }, next);
};

export function emailVerificationRouter(deps: RouterDeps): Router {
  const router = Router();
  const { config } = deps;
  const deliver = deliverInBackground(deps.mailer, deps.logger);
  const resendLimit = verificationResendLimit(new AttemptStore(), (req) => currentUser(req).id);
  const token = validateParams(tokenParams, INVALID_VERIFY_LINK);

  // Tokens: never cached, never indexed.
  router.use('/verify-email', noStoreNoIndex);
  // Before the :token routes, which would otherwise take "resend" for a token.
  router.post('/verify-email/resend', requireAuth, validate(resendForm), resendLimit, resend);
  router.get('/verify-email/:token', token, confirmationPage);
  router.post('/verify-email/:token', token, confirm);
  return router;

  async function resend(req: Request, res: Response) {
    const { next } = inputOf(resendForm, res);
    if (await mustVerifyEmail(req.user)) {
      await sendVerificationMail(currentUser(req).id, { siteUrl: config.siteUrl, siteTitle: (await getSettings()).title, deliver });
      res.flash('info', `We have sent a new link to ${currentUser(req).email}. It works for ${VERIFY_TTL_HOURS} hours.`);
    } else {
      res.flash('info', 'Your email address needs no confirmation.');
    }
    res.redirect(303, next);
  }
}

async function confirmationPage(_req: Request, res: Response) {
  const { token } = paramsOf(tokenParams, res);
  res.render('auth/verify-email', { title: 'Confirm your email address', token, target: await verificationTarget(token) });
}

async function confirm(req: Request, res: Response) {
  await completeEmailVerification(paramsOf(tokenParams, res).token, req.ip);
  res.flash('success', 'Thank you: your email address is confirmed.');
  res.redirect(303, '/');
}
