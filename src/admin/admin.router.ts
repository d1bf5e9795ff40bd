// /admin: the dashboard, site settings and the audit log, plus the user and content sections mounted from
// their own routers. Pages are noindex and never cached; every action is a CSRF-checked POST answered 303.
import { Router } from 'express';
import { z } from 'zod';
import type { RouterDeps } from '../router-deps.js';
import { currentUser, requireCan } from '../auth/middleware.js';
import { can } from '../auth/permissions.js';
import { countPendingComments } from '../comments/moderation.service.js';
import { form, inputOf, objectId, validate } from '../http/validate.js';
import { adminContext } from './admin-context.js';
import { auditFilterOptions } from './audit-filters.js';
import { AUDIT_CURSOR, listAudit } from '../site/audit.service.js';
import { contentAdminRouter } from './content.admin.router.js';
import { contentOverview, userOverview } from './dashboard.service.js';
import { getSettings, settingsForm, updateSettings } from '../site/settings.service.js';
import { usersAdminRouter } from './users.admin.router.js';
import { exportSite } from '../transfer/export.service.js';

// The web export never carries password hashes (only `npm run export -- --with-password-hashes` does).
const exportForm = z.object({ withRevisions: z.literal('on').optional() });

const auditQuery = z.object({
  actor: objectId.optional().catch(undefined),
  action: z
    .string()
    .regex(/^[a-z]+(\.[a-z-]+)+$/)
    .max(64)
    .optional()
    .catch(undefined),
  before: z.string().regex(AUDIT_CURSOR).optional().catch(undefined),
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

  const settingsPage = async () => ({ title: 'Settings', settings: await getSettings() });

  router.get('/settings', requireCan('settings:manage'), async (_req, res) => {
    res.render('admin/settings', await settingsPage());
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

  router.use(usersAdminRouter(deps));
  router.use(contentAdminRouter(deps));
  return router;
}
