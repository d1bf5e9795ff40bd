// /account: one's own profile, password, avatar and sessions. Every route needs a signed-in user; every
// POST is CSRF-checked globally (the avatar form sends its token in the query, being multipart).
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { RouterDeps } from '../router-deps.js';
import type { AuditContext } from '../site/audit.service.js';
import { passwordChangeLimit } from './attempt-limits.js';
import { AttemptStore } from './attempt-store.js';
import { currentUser, requireAuth } from '../site/guards.js';
import { PASSWORD_HINT } from '../users/password-policy.js';
import { setSessionCookie } from './session.js';
import { form, inputOf, validate } from '../http/validate.js';
import { acceptUpload, uploadedFiles } from '../http/upload.js';
import { timeZoneNames } from '../http/time-zones.js';
import { bioField, displayNameField, emailField, passwordField, timeZoneField } from '../users/user.fields.js';
import { changePassword, getProfile, removeAvatar, setAvatar, setTimeZone, signOutEverywhere, updateProfile } from '../users/users.service.js';

const profileForm = z.object({ displayName: displayNameField, bio: bioField, email: emailField });
const passwordForm = z.object({
  currentPassword: z.string({ error: 'Enter your current password.' }).min(1, 'Enter your current password.'),
  newPassword: passwordField,
});
const timeZoneForm = z.object({ timeZone: timeZoneField });

function auditContext(req: Request): AuditContext {
  const user = currentUser(req);
  return { actor: { id: user.id, displayName: user.displayName }, ip: req.ip };
}

export function accountRouter(deps: RouterDeps): Router {
  const router = Router();
  const { config, keys, storage } = deps;
  // Counted in the database, shared by every process on it.
  const passwordAttempts = passwordChangeLimit(new AttemptStore(), (req) => `user:${currentUser(req).id}`);

  router.use('/account', requireAuth, (_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    res.locals.noindex = true;
    next();
  });

  const accountPage = async (req: Request) => ({
    title: 'Your account',
    profile: await getProfile(currentUser(req).id),
    passwordHint: PASSWORD_HINT,
    maxUploadMb: Math.round((config.maxUploadBytes / (1024 * 1024)) * 10) / 10,
    timeZones: timeZoneNames(),
  });

  // This browser stays signed in after its own password change or "sign out everywhere": a fresh cookie
  // carries the new token version that every other session lacks.
  const keepThisBrowserSignedIn = (req: Request, res: Response, tokenVersion: number) => {
    setSessionCookie(res, { sub: currentUser(req).id, ver: tokenVersion }, keys.session, config.secureCookies);
  };

  router.get('/account', async (req, res) => {
    res.render('users/account', await accountPage(req));
  });

  router.post('/account', form('users/account', accountPage), validate(profileForm), async (req, res) => {
    await updateProfile(currentUser(req).id, inputOf(profileForm, res), auditContext(req));
    res.flash('success', 'Your profile is saved.');
    res.redirect(303, '/account');
  });

  router.post('/account/time-zone', form('users/account', accountPage), validate(timeZoneForm), async (req, res) => {
    const { timeZone } = inputOf(timeZoneForm, res);
    await setTimeZone(currentUser(req).id, timeZone);
    res.flash('success', `Times are now shown in ${timeZone}.`);
    res.redirect(303, '/account');
  });

  router.post('/account/password', passwordAttempts, form('users/account', accountPage), validate(passwordForm), async (req, res) => {
    const { currentPassword, newPassword } = inputOf(passwordForm, res);
    const version = await changePassword(currentUser(req).id, currentPassword, newPassword, auditContext(req));
    keepThisBrowserSignedIn(req, res, version);
    res.flash('success', 'Your password is changed. Other browsers and devices are signed out.');
    res.redirect(303, '/account');
  });

  router.post('/account/signout-everywhere', async (req, res) => {
    const version = await signOutEverywhere(currentUser(req).id, auditContext(req));
    keepThisBrowserSignedIn(req, res, version);
    res.flash('success', 'Every other browser and device is signed out.');
    res.redirect(303, '/account');
  });

  router.post(
    '/account/avatar',
    form('users/account', accountPage),
    ...acceptUpload('avatar', { maxBytes: config.maxUploadBytes }),
    async (req, res) => {
      await setAvatar(currentUser(req).id, uploadedFiles(req)[0]!.buffer, storage, auditContext(req));
      res.flash('success', 'Your avatar is updated.');
      res.redirect(303, '/account');
    },
  );

  router.post('/account/avatar/delete', async (req, res) => {
    await removeAvatar(currentUser(req).id, storage, auditContext(req));
    res.flash('info', 'Your avatar is back to the default picture.');
    res.redirect(303, '/account');
  });

  return router;
}
