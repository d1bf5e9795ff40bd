// /account: one's own profile, password, avatar and sessions. Every route needs a signed-in user; every
// POST is CSRF-checked globally (the avatar form sends its token in the query, being multipart).
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { RouterDeps } from '../router-deps.js';
import { passwordChangeLimit } from './attempt-limits.js';
import { AttemptStore } from './attempt-store.js';
import { actingContext, currentUser, requireAuth } from '../site/guards.js';
import { PASSWORD_HINT } from '../users/password-policy.js';
import { setSessionCookie } from './session.js';
import { form, inputOf, validate } from '../http/validate.js';
import { noStoreNoIndex } from '../http/no-store.js';
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

export function accountRouter(deps: RouterDeps): Router {
  const router = Router();
  const { config, keys, storage } = deps;
  // Counted in the database, shared by every process on it.
  const passwordAttempts = passwordChangeLimit(new AttemptStore(), (req) => `user:${currentUser(req).id}`);

  router.use('/account', requireAuth, noStoreNoIndex);
  router.get('/account', showAccount);
  router.post('/account', form('users/account', accountPage), validate(profileForm), saveProfile);
  router.post('/account/time-zone', form('users/account', accountPage), validate(timeZoneForm), saveTimeZone);
  router.post('/account/password', passwordAttempts, form('users/account', accountPage), validate(passwordForm), savePassword);
  router.post('/account/signout-everywhere', signOutOthers);
  router.post('/account/avatar', form('users/account', accountPage), ...acceptUpload('avatar', { maxBytes: config.maxUploadBytes }), saveAvatar);
  router.post('/account/avatar/delete', deleteAvatar);
  return router;

  async function accountPage(req: Request) {
    return {
      title: 'Your account',
      profile: await getProfile(currentUser(req).id),
      passwordHint: PASSWORD_HINT,
      maxUploadMb: Math.round((config.maxUploadBytes / (1024 * 1024)) * 10) / 10,
      timeZones: timeZoneNames(),
    };
  }

  // This browser stays signed in after its own password change or "sign out everywhere": a fresh cookie
  // carries the new token version that every other session lacks.
  function keepThisBrowserSignedIn(req: Request, res: Response, tokenVersion: number) {
    setSessionCookie(res, { sub: currentUser(req).id, ver: tokenVersion }, keys.session, config.secureCookies);
  }

  async function showAccount(req: Request, res: Response) {
    res.render('users/account', await accountPage(req));
  }

  async function saveProfile(req: Request, res: Response) {
    await updateProfile(currentUser(req).id, inputOf(profileForm, res), actingContext(req));
    res.flash('success', 'Your profile is saved.');
    res.redirect(303, '/account');
  }

  async function saveTimeZone(req: Request, res: Response) {
    const { timeZone } = inputOf(timeZoneForm, res);
    await setTimeZone(currentUser(req).id, timeZone);
    res.flash('success', `Times are now shown in ${timeZone}.`);
    res.redirect(303, '/account');
  }

  async function savePassword(req: Request, res: Response) {
    const { currentPassword, newPassword } = inputOf(passwordForm, res);
    const version = await changePassword(currentUser(req).id, currentPassword, newPassword, actingContext(req));
    keepThisBrowserSignedIn(req, res, version);
    res.flash('success', 'Your password is changed. Other browsers and devices are signed out.');
    res.redirect(303, '/account');
  }

  async function signOutOthers(req: Request, res: Response) {
    const version = await signOutEverywhere(currentUser(req).id, actingContext(req));
    keepThisBrowserSignedIn(req, res, version);
    res.flash('success', 'Every other browser and device is signed out.');
    res.redirect(303, '/account');
  }

  async function saveAvatar(req: Request, res: Response) {
    await setAvatar(currentUser(req).id, uploadedFiles(req)[0]!.buffer, storage, actingContext(req));
    res.flash('success', 'Your avatar is updated.');
    res.redirect(303, '/account');
  }

  async function deleteAvatar(req: Request, res: Response) {
    await removeAvatar(currentUser(req).id, storage, actingContext(req));
    res.flash('info', 'Your avatar is back to the default picture.');
    res.redirect(303, '/account');
  }
}
