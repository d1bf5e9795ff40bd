// Two-factor sign-in over HTTP: the second step of sign-in (/signin/2fa, reached only with the pending
// cookie that a right password sets) and one's own enrolment and switch-off (/account/2fa). CSRF is
// checked globally; the rules live in two-factor.service.ts.
import { Router, type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import type { RouterDeps } from '../router-deps.js';
import { getSettings } from '../site/settings.service.js';
import { form, inputOf, validate } from '../http/validate.js';
import { noStoreNoIndex } from '../http/no-store.js';
import { accountTwoFactorLimit, secondStepLimits } from './attempt-limits.js';
import { AttemptStore } from './attempt-store.js';
import { sessionSubjectFor } from './auth.service.js';
import { actingContext, currentUser, requireAuth } from '../site/guards.js';
import { PENDING_COOKIE, clearPendingCookie, verifyPending, type PendingSignIn } from './pending-sign-in.js';
import { setSessionCookie } from './session.js';
import { checkSecondFactor, disableTwoFactor, enableTwoFactor, startEnrolment, twoFactorStatus } from './two-factor.service.js';

const codeField = z.string().trim().max(40, 'That is longer than any code.');
const secondStepForm = z.object({ code: codeField.min(1, 'Enter the code from your app, or a recovery code.') });
const accountForm = z.discriminatedUnion('action', [
  z.object({ action: z.literal('enable'), setup: z.string().max(600), code: codeField, password: z.string().max(1024) }),
  z.object({ action: z.literal('disable'), code: codeField.default(''), password: z.string().max(1024).default('') }),
]);
export const WRONG_SECOND_FACTOR = 'That code is not right, or was already used. Try the newest code from your app.';

export function twoFactorRouter(deps: RouterDeps): Router {
  const router = Router();
  const { config, keys } = deps;
  const store = new AttemptStore();

  router.use(['/signin/2fa', '/account/2fa'], noStoreNoIndex);
  // The second step of sign-in.
  router.get('/signin/2fa', pendingOnly, showSecondStep);
  router.post(
    '/signin/2fa',
    pendingOnly,
    form('auth/signin-2fa', secondStepPage),
    validate(secondStepForm),
    ...secondStepLimits(store, (req) => `user:${pending(req.res!).sub}`),
    secondStep,
  );
  // One's own two-factor settings.
  router.get('/account/2fa', requireAuth, showAccountPage);
  router.post('/account/2fa', requireAuth, accountTwoFactorLimit(store, (req) => `user:${currentUser(req).id}`), form('users/two-factor', accountPage), validate(accountForm), changeSettings);
  return router;

  function pendingOnly(req: Request, res: Response, next: NextFunction) {
    const claims = verifyPending(req.cookies?.[PENDING_COOKIE], keys.pendingSignIn);
    if (!claims) return res.redirect(303, '/signin');
    res.locals.pendingSignIn = claims;
    next();
  }

  async function secondStep(_req: Request, res: Response) {
    const claims = pending(res);
    const factor = await checkSecondFactor(claims.sub, inputOf(secondStepForm, res).code, keys.twoFactor);
    if (!factor) {
      res.status(401).render('auth/signin-2fa', { ...secondStepPage(), formError: WRONG_SECOND_FACTOR });
      return;
    }
    clearPendingCookie(res, config.secureCookies);
    // Suspended, or every session ended, since the password step: start again from the password.
    const subject = await sessionSubjectFor(claims.sub, claims.ver);
    if (!subject) return res.redirect(303, '/signin');
    setSessionCookie(res, { sub: subject.id, ver: subject.tokenVersion }, keys.session, config.secureCookies);
    res.rotateCsrf();
    if (factor === 'recovery') {
      const left = (await twoFactorStatus(subject.id)).recoveryCodesLeft;
      res.flash('warning', `You used a recovery code; ${left} left. If your phone is lost, turn two-factor sign-in off and on again on your account page to get new codes.`);
    }
    res.redirect(303, claims.next);
  }

  async function accountPage(req: Request) {
    const user = currentUser(req);
    const status = await twoFactorStatus(user.id);
    const resume = (req.body as { setup?: unknown } | undefined)?.setup;
    const enrolment = status.enabled
      ? null
      : await startEnrolment(user.id, user.username, (await getSettings()).title, keys.twoFactor, typeof resume === 'string' ? resume : undefined);
    return { title: 'Two-factor sign-in', status, enrolment, recoveryCodes: null };
  }

  async function showAccountPage(req: Request, res: Response) {
    res.render('users/two-factor', await accountPage(req));
  }

  async function changeSettings(req: Request, res: Response) {
    const input = inputOf(accountForm, res);
    const user = currentUser(req);
    if (input.action === 'enable') {
      const codes = await enableTwoFactor(user.id, input, keys.twoFactor, actingContext(req));
      // Shown once, on this answer only (never stored in clear, never cached).
      res.render('users/two-factor', { title: 'Two-factor sign-in', status: await twoFactorStatus(user.id), enrolment: null, recoveryCodes: codes });
      return;
    }
    await disableTwoFactor(user.id, input, keys.twoFactor, actingContext(req));
    res.flash('success', 'Two-factor sign-in is off.');
    res.redirect(303, '/account/2fa');
  }
}

/** The claims of the pending cookie that a right password set (pendingOnly puts them here). */
function pending(res: Response): PendingSignIn {
  return res.locals.pendingSignIn as PendingSignIn;
}

function secondStepPage() {
  return { title: 'Two-factor sign-in' };
}

function showSecondStep(_req: Request, res: Response) {
  res.render('auth/signin-2fa', secondStepPage());
}
