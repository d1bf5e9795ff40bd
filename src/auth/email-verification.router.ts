// /verify-email: the emailed link opens a confirmation page whose POST (CSRF-checked globally) marks the
// address verified, so that a mail scanner fetching the link cannot use it up; and the "send the link
// again" POST from the comment form, limited per account. Rules live in email-verification.service.ts.
import { Router, type Request, type RequestHandler } from 'express';
import { z } from 'zod';
import type { RouterDeps } from '../router-deps.js';
import { Forbidden } from '../http/errors.js';
import { inputOf, validate } from '../http/validate.js';
import { deliverInBackground } from '../mail/deliver.js';
import { currentUser, requireAuth } from '../site/guards.js';
import { getSettings } from '../site/settings.service.js';
import { verificationResendLimit } from './attempt-limits.js';
import { AttemptStore } from './attempt-store.js';
import { VERIFY_TO_COMMENT, VERIFY_TTL_HOURS, completeEmailVerification, mustVerifyEmail, sendVerificationMail, verificationTarget } from './email-verification.service.js';
import { safeNextPath } from './next-path.js';

const resendForm = z.object({ next: z.unknown().transform((v) => safeNextPath(v)) });

/** For the comment routes: an unverified reader, while the site asks for verification, gets 403 and why. */
export const requireVerifiedEmail: RequestHandler = async (req, _res, next) => {
  if (await mustVerifyEmail(req.user)) throw new Forbidden(VERIFY_TO_COMMENT);
  next();
};

/** Tells the templates (the comment form) that this reader must verify first. */
export const verificationLocals: RequestHandler = async (req, res, next) => {
  res.locals.mustVerifyEmail = req.user ? await mustVerifyEmail(req.user) : false;
  next();
};

export function emailVerificationRouter(deps: RouterDeps): Router {
  const router = Router();
  const { config } = deps;
  const deliver = deliverInBackground(deps.mailer, deps.logger);
  const resendLimit = verificationResendLimit(new AttemptStore(), (req) => currentUser(req).id);

  // Tokens: never cached, never indexed.
  router.use('/verify-email', (_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    res.locals.noindex = true;
    next();
  });

  const tokenOf = (req: Request) => String(req.params.token);

  // Before the :token routes, which would otherwise take "resend" for a token.
  router.post('/verify-email/resend', requireAuth, validate(resendForm), resendLimit, async (req, res) => {
    const { next } = inputOf(resendForm, res);
    if (await mustVerifyEmail(req.user)) {
      await sendVerificationMail(currentUser(req).id, { siteUrl: config.siteUrl, siteTitle: (await getSettings()).title, deliver });
      res.flash('info', `We have sent a new link to ${currentUser(req).email}. It works for ${VERIFY_TTL_HOURS} hours.`);
    } else {
      res.flash('info', 'Your email address needs no confirmation.');
    }
    res.redirect(303, next);
  });

  router.get('/verify-email/:token', async (req, res) => {
    const token = tokenOf(req);
    res.render('auth/verify-email', { title: 'Confirm your email address', token, target: await verificationTarget(token) });
  });

  router.post('/verify-email/:token', async (req, res) => {
    await completeEmailVerification(tokenOf(req), req.ip);
    res.flash('success', 'Thank you: your email address is confirmed.');
    res.redirect(303, '/');
  });

  return router;
}
