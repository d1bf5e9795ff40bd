// /admin: the dashboard, site settings and the audit log, plus the user and content sections mounted from
// their own routers. Pages are noindex and never cached; every action is a CSRF-checked POST answered 303.
import { Router, type Request } from 'express';
import { z } from 'zod';
import type { RouterDeps } from '../router-deps.js';
import { currentUser, requireCan } from '../site/guards.js';
import { can } from '../site/permissions.js';
import { countPendingComments } from '../comments/moderation.service.js';
import { form, inputOf, objectId, validate } from '../http/validate.js';
import { adminContext } from './admin-context.js';
import { auditFilterOptions } from './audit-filters.js';
import { listAudit } from '../site/audit.service.js';
import { contentAdminRouter } from './content.admin.router.js';
import { contentOverview, userOverview } from './dashboard.service.js';
import { getSettings, settingsForm, updateSettings } from '../site/settings.service.js';
import { listOutbox } from '../mail/outbox.js';
import { usersAdminRouter } from './users.admin.router.js';
import { invitationsAdminRouter } from './invitations.admin.router.js';
import { navigationFormLocals } from '../pages/navigation.router.js';
import { exportSite } from '../transfer/export.service.js';

// The web export never carries password hashes (only `npm run export -- --with-password-hashes` does).
const exportForm = z.object({ withRevisions: z.literal('on').optional() });

const auditQuery = z.object({
  actor: objectId.optional().catch(undefined),
  action: z
    .string()
    .regex(/^[a-z]+(\.[a-z0-9-]+)+$/)
    .max(64)
    .optional()
    .catch(undefined),
  before: z.string().max(60).optional().catch(undefined),
});

export function adminRouter(deps: RouterDeps): Router {
  const router = Router();

  router.use((_req, res, next) => {
    res.locals.noindex = true;
    res.set('Cache-Control', 'no-store');
    res.set('X-Robots-Tag', 'noindex, nofollow');
    next();
  });

  router.get('/', requireCan('content:admin'), async (req, res) => {
    const user = currentUser(req);
    const [content, users, pendingComments] = await Promise.all([
      contentOverview(),
      can(user, 'users:manage') ? userOverview() : Promise.resolve(null),
      countPendingComments(user),
    ]);
    res.render('admin/dashboard', { title: 'Admin', content, users, pendingComments });
  });

  // The page also holds the navigation menu's form (its own POST, src/pages/navigation.router.ts).
  const settingsPage = async (req: Request) => ({ title: 'Settings', settings: await getSettings(), menuForm: await navigationFormLocals(currentUser(req)) });

  router.get('/settings', requireCan('settings:manage'), async (req, res) => {
    res.render('admin/settings', await settingsPage(req));
  });

  router.post('/settings', requireCan('settings:manage'), form('admin/settings', settingsPage), validate(settingsForm), async (req, res) => {
    const { changed } = await updateSettings(adminContext(req), inputOf(settingsForm, res));
    res.flash(changed.length ? 'success' : 'info', changed.length ? 'Settings saved.' : 'Nothing changed.');
    res.redirect(303, '/admin/settings');
  });

  // Streams the archive as it is made; the export records itself in the audit log when it is complete.
  router.post('/settings/export', requireCan('settings:manage'), validate(exportForm), async (req, res) => {
    const { actor, ip } = adminContext(req);
    res.set('Content-Type', 'application/gzip');
    res.attachment(`quire-export-${new Date().toISOString().slice(0, 10)}.tar.gz`);
    await exportSite(res, { storage: deps.storage, withRevisions: inputOf(exportForm, res).withRevisions === 'on', actor, ip });
  });

  router.get('/audit', requireCan('audit:view'), validate(auditQuery, 'query'), async (_req, res) => {
    const query = inputOf(auditQuery, res);
    const [page, options] = await Promise.all([listAudit(query), auditFilterOptions()]);
    const filters = new URLSearchParams();
    if (query.actor) filters.set('actor', query.actor);
    if (query.action) filters.set('action', query.action);
    const olderParams = new URLSearchParams(filters);
    if (page.next) olderParams.set('before', page.next);
    res.render('admin/audit', {
      title: 'Audit log',
      query,
      page,
      options,
      newestUrl: query.before ? `/admin/audit${filters.size ? `?${filters}` : ''}` : null,
      olderUrl: page.next ? `/admin/audit?${olderParams}` : null,
    });
  });

  // The development outbox (no SMTP_URL): what Quire would have mailed, with its links. Admin only, as the
  // links include other people's password resets and invitations.
  router.get('/outbox', requireCan('users:manage'), async (_req, res) => {
    res.render('admin/outbox', { title: 'Outbox', mailKind: deps.mailer.kind, messages: await listOutbox(deps.config.dataDir) });
  });

  router.use(usersAdminRouter(deps));
  router.use(invitationsAdminRouter(deps));
  router.use(contentAdminRouter(deps));
  return router;
}
