// /password: "forgot your password?" and the emailed link's form. CSRF is checked globally on both
// forms; the rules themselves live in password-reset.service.ts.
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { RouterDeps } from '../router-deps.js';
import { form, inputOf, paramsOf, validate, validateParams } from '../http/validate.js';
import { deliverInBackground } from '../mail/deliver.js';
import { getSettings } from '../site/settings.service.js';
import { emailField, passwordField } from '../users/user.fields.js';
import { passwordResetLimits } from './attempt-limits.js';
import { AttemptStore } from './attempt-store.js';
import { accountLimitKey } from './auth.service.js';
import { PASSWORD_HINT } from '../users/password-policy.js';
import { INVALID_RESET_LINK, RESET_TTL_MINUTES, completePasswordReset, requestPasswordReset, resetTarget } from './password-reset.service.js';
import { tokenParams } from './secret-token.js';
import { noStoreNoIndex } from '../http/no-store.js';

const forgotForm = z.object({ email: emailField });
const resetForm = z.object({ password: passwordField });

/** The one answer to every well-formed request, whether or not the address has an account. */
export const RESET_REQUESTED = `If an account uses that address, we have sent it a link to choose a new password. It works for ${RESET_TTL_MINUTES} minutes. Check your inbox (and your spam folder).`;

export function passwordResetRouter(deps: RouterDeps): Router {
  const router = Router();
  const { config } = deps;
  const deliver = deliverInBackground(deps.mailer, deps.logger);
  const limits = passwordResetLimits(new AttemptStore(), (req) => accountLimitKey(String((req.body as { email?: unknown }).email)));
  const token = validateParams(tokenParams, INVALID_RESET_LINK);

  // Tokens and personal input: never cached, never indexed.
  router.use('/password', noStoreNoIndex);
  router.get('/password/forgot', showForgotForm);
  router.post('/password/forgot', form('auth/forgot', forgotPage), validate(forgotForm), ...limits, requestReset);
  router.get('/password/reset/:token', token, showResetForm);
  router.post('/password/reset/:token', token, form('auth/reset', resetPage), validate(resetForm), completeReset);
  return router;

  async function requestReset(_req: Request, res: Response) {
    const { email } = inputOf(forgotForm, res);
    const site = await getSettings();
    await requestPasswordReset(email, { siteUrl: config.siteUrl, siteTitle: site.title, deliver });
    res.flash('info', RESET_REQUESTED);
    res.redirect(303, '/password/forgot');
  }
}

function forgotPage() {
  return { title: 'Forgot your password?' };
}

function showForgotForm(_req: Request, res: Response) {
  res.render('auth/forgot', forgotPage());
}

async function resetPage(_req: Request, res: Response) {
  const { token } = paramsOf(tokenParams, res);
  return { title: 'Choose a new password', token, target: await resetTarget(token), passwordHint: PASSWORD_HINT };
}

async function showResetForm(req: Request, res: Response) {
  res.render('auth/reset', await resetPage(req, res));
}

async function completeReset(req: Request, res: Response) {
  await completePasswordReset(paramsOf(tokenParams, res).token, inputOf(resetForm, res).password, req.ip);
  res.flash('success', 'Your new password is set and every session of your account is signed out. Sign in with the new password.');
  res.redirect(303, '/signin');
}
