// /invite/:token: the invitee's form (username, display name, password; the email and role are the
// invitation's). Accepting signs the new account in. CSRF is checked globally.
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { RouterDeps } from '../router-deps.js';
import { form, inputOf, validate } from '../http/validate.js';
import { browserTimeZoneField, displayNameField, passwordField, usernameField } from '../users/user.fields.js';
import { acceptInvitation, invitationFor } from './invitation.service.js';
import { PASSWORD_HINT } from '../users/password-policy.js';
import { setSessionCookie } from './session.js';

const acceptForm = z.object({ username: usernameField, displayName: displayNameField, password: passwordField, timeZone: browserTimeZoneField });

export function invitationRouter(deps: RouterDeps): Router {
  const router = Router();
  const { config, keys } = deps;

  router.use('/invite', (_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    res.locals.noindex = true;
    next();
  });
  router.param('token', (_req, res, next, token: string) => {
    res.locals.inviteToken = token;
    next();
  });

  // The error handler re-renders the form after req.params is reset: the token comes from res.locals.
  const invitePage = async (_req: Request, res: Response) => {
    const token = String(res.locals.inviteToken);
    return { title: 'Accept your invitation', token, invitation: await invitationFor(token), passwordHint: PASSWORD_HINT };
  };

  router.get('/invite/:token', async (req, res) => {
    res.render('auth/invite', await invitePage(req, res));
  });

  router.post('/invite/:token', form('auth/invite', invitePage), validate(acceptForm), async (req, res) => {
    const user = await acceptInvitation(String(res.locals.inviteToken), inputOf(acceptForm, res), req.ip);
    // Signed in as the new account, with a new CSRF secret (as at every sign-in).
    setSessionCookie(res, { sub: user.id, ver: user.tokenVersion }, keys.session, config.secureCookies);
    res.rotateCsrf();
    res.flash('success', `Welcome, ${user.displayName}. Your ${user.role} account is ready.`);
    res.redirect(303, user.role === 'reader' ? '/' : '/dashboard');
  });

  return router;
}
