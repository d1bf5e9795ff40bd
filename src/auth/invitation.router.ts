// /invite/:token: the invitee's form (username, display name, password; the email and role are the
// invitation's). Accepting signs the new account in. CSRF is checked globally.
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { RouterDeps } from '../router-deps.js';
import { form, inputOf, paramsOf, validate, validateParams } from '../http/validate.js';
import { browserTimeZoneField, displayNameField, passwordField, usernameField } from '../users/user.fields.js';
import { INVALID_INVITATION, acceptInvitation, invitationFor } from './invitation.service.js';
import { tokenParams } from './secret-token.js';
import { PASSWORD_HINT } from '../users/password-policy.js';
import { setSessionCookie } from './session.js';
import { noStoreNoIndex } from '../http/no-store.js';

const acceptForm = z.object({ username: usernameField, displayName: displayNameField, password: passwordField, timeZone: browserTimeZoneField });

export function invitationRouter(deps: RouterDeps): Router {
  const router = Router();
  const { config, keys } = deps;
  const token = validateParams(tokenParams, INVALID_INVITATION);

  router.use('/invite', noStoreNoIndex);
  router.get('/invite/:token', token, showInviteForm);
  router.post('/invite/:token', token, form('auth/invite', invitePage), validate(acceptForm), accept);
  return router;

  async function accept(req: Request, res: Response) {
    const user = await acceptInvitation(paramsOf(tokenParams, res).token, inputOf(acceptForm, res), req.ip);
    // Signed in as the new account, with a new CSRF secret (as at every sign-in).
    setSessionCookie(res, { sub: user.id, ver: user.tokenVersion }, keys.session, config.secureCookies);
    res.rotateCsrf();
    res.flash('success', `Welcome, ${user.displayName}. Your ${user.role} account is ready.`);
    res.redirect(303, user.role === 'reader' ? '/' : '/dashboard');
  }
}

async function invitePage(_req: Request, res: Response) {
  const { token } = paramsOf(tokenParams, res);
  return { title: 'Accept your invitation', token, invitation: await invitationFor(token), passwordHint: PASSWORD_HINT };
}

async function showInviteForm(req: Request, res: Response) {
  res.render('auth/invite', await invitePage(req, res));
}
