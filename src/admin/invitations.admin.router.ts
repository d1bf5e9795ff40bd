// /admin/invitations: invite someone by email with a role, see every invitation's status, revoke a pending
// one. Admin only; the rules live in auth/invitation.service.ts.
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { RouterDeps } from '../router-deps.js';
import { actingContext, requireCan } from '../site/guards.js';
import { ROLES } from '../site/permissions.js';
import { INVITATION_TTL_DAYS, invite, listInvitations, revokeInvitation } from '../auth/invitation.service.js';
import { conflictFlash } from '../http/conflicts.js';
import { form, idParams, inputOf, paramsOf, validate, validateParams } from '../http/validate.js';
import { deliverInBackground } from '../mail/deliver.js';
import { getSettings } from '../site/settings.service.js';
import { emailField } from '../users/user.fields.js';

const inviteForm = z.object({ email: emailField, role: z.enum(ROLES, { message: 'Choose a role.' }) });

/** Revoking one that is no longer pending (409): back to the list, with why. */
const refusedBackToList = conflictFlash(() => '/admin/invitations');

export function invitationsAdminRouter(deps: RouterDeps): Router {
  const router = Router();
  const guard = requireCan('users:manage');
  const deliver = deliverInBackground(deps.mailer, deps.logger);

  router.get('/invitations', guard, listPage);
  router.post('/invitations', guard, form('admin/invitations', page), validate(inviteForm), inviteFromForm);
  router.post('/invitations/:id/revoke', guard, validateParams(idParams), refusedBackToList, revoke);
  return router;

  async function page() {
    return { title: 'Invitations', invitations: await listInvitations(), roles: ROLES, ttlDays: INVITATION_TTL_DAYS, mailKind: deps.mailer.kind };
  }

  async function listPage(_req: Request, res: Response) {
    res.render('admin/invitations', await page());
  }

  async function inviteFromForm(req: Request, res: Response) {
    const input = inputOf(inviteForm, res);
    const site = await getSettings();
    await invite(actingContext(req), input, { siteUrl: deps.config.siteUrl, siteTitle: site.title, deliver });
    res.flash('success', `An invitation to join as ${input.role} is on its way to ${input.email}.`);
    res.redirect(303, '/admin/invitations');
  }
}

async function revoke(req: Request, res: Response) {
  const { email } = await revokeInvitation(actingContext(req), paramsOf(idParams, res).id);
  res.flash('success', `The invitation for ${email} is revoked: its link no longer works.`);
  res.redirect(303, '/admin/invitations');
}
