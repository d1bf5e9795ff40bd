// /admin/invitations: invite someone by email with a role, see every invitation's status, revoke a pending
// one. Admin only; the rules live in auth/invitation.service.ts.
import { Router } from 'express';
import { z } from 'zod';
import type { RouterDeps } from '../router-deps.js';
import { requireCan } from '../site/guards.js';
import { ROLES } from '../site/permissions.js';
import { INVITATION_TTL_DAYS, invite, listInvitations, revokeInvitation } from '../auth/invitation.service.js';
import { Conflict } from '../http/errors.js';
import { form, inputOf, validate } from '../http/validate.js';
import { deliverInBackground } from '../mail/deliver.js';
import { getSettings } from '../site/settings.service.js';
import { emailField } from '../users/user.fields.js';
import { adminContext } from './admin-context.js';

const inviteForm = z.object({ email: emailField, role: z.enum(ROLES, { message: 'Choose a role.' }) });

export function invitationsAdminRouter(deps: RouterDeps): Router {
  const router = Router();
  const guard = requireCan('users:manage');
  const deliver = deliverInBackground(deps.mailer, deps.logger);
  const page = async () => ({ title: 'Invitations', invitations: await listInvitations(), roles: ROLES, ttlDays: INVITATION_TTL_DAYS, mailKind: deps.mailer.kind });

  router.get('/invitations', guard, async (_req, res) => {
    res.render('admin/invitations', await page());
  });

  router.post('/invitations', guard, form('admin/invitations', page), validate(inviteForm), async (req, res) => {
    const input = inputOf(inviteForm, res);
    const site = await getSettings();
    await invite(adminContext(req), input, { siteUrl: deps.config.siteUrl, siteTitle: site.title, deliver });
    res.flash('success', `An invitation to join as ${input.role} is on its way to ${input.email}.`);
    res.redirect(303, '/admin/invitations');
  });

  router.post('/invitations/:id/revoke', guard, async (req, res) => {
    const id = String(req.params.id);
    if (!/^[a-f0-9]{24}$/.test(id)) return res.redirect(303, '/admin/invitations');
    try {
      const { email } = await revokeInvitation(adminContext(req), id);
      res.flash('success', `The invitation for ${email} is revoked: its link no longer works.`);
    } catch (err) {
      if (!(err instanceof Conflict)) throw err;
      res.flash('danger', err.message);
    }
    res.redirect(303, '/admin/invitations');
  });

  return router;
}
