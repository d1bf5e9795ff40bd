// /admin: the dashboard, site settings and the audit log, plus the user and content sections mounted from
// their own routers. Pages are noindex and never cached; every action is a CSRF-checked POST answered 303.
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { RouterDeps } from '../router-deps.js';
import { actingContext, currentUser, requireCan } from '../site/guards.js';
import { can } from '../site/permissions.js';
import { countPendingComments } from '../comments/moderation.service.js';
import { form, inputOf, objectId, queryOf, validate, validateQuery } from '../http/validate.js';
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
import { noStoreNoIndex } from '../http/no-store.js';

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

/** The settings page. It also holds the navigation menu's form (its own POST, src/pages/navigation.router.ts). */
async function settingsPage(req: Request) {
  return { title: 'Settings', settings: await getSettings(), menuForm: await navigationFormLocals(currentUser(req)) };
}

export function adminRouter(deps: RouterDeps): Router {
  const router = Router();
  const settingsGuard = requireCan('settings:manage');

  router.use(noStoreNoIndex);
  router.get('/', requireCan('content:admin'), dashboard);
  router.get('/settings', settingsGuard, showSettings);
  router.post('/settings', settingsGuard, form('admin/settings', settingsPage), validate(settingsForm), saveSettings);
  router.post('/settings/export', settingsGuard, validate(exportForm), exportArchive);
  router.get('/audit', requireCan('audit:view'), validateQuery(auditQuery), auditLog);
  // Admin only, as the outbox's links include other people's password resets and invitations.
  router.get('/outbox', requireCan('users:manage'), outbox);
  router.use(usersAdminRouter(deps));
  router.use(invitationsAdminRouter(deps));
  router.use(contentAdminRouter(deps));
  return router;

  // Streams the archive as it is made; the export records itself in the audit log when it is complete.
  async function exportArchive(req: Request, res: Response) {
    const { actor, ip } = actingContext(req);
    res.set('Content-Type', 'application/gzip');
    res.attachment(`quire-export-${new Date().toISOString().slice(0, 10)}.tar.gz`);
    await exportSite(res, { storage: deps.storage, withRevisions: inputOf(exportForm, res).withRevisions === 'on', actor, ip });
  }

  // The development outbox (no SMTP_URL): what Quire would have mailed, with its links.
  async function outbox(_req: Request, res: Response) {
    res.render('admin/outbox', { title: 'Outbox', mailKind: deps.mailer.kind, messages: await listOutbox(deps.config.dataDir) });
  }
}

async function dashboard(req: Request, res: Response) {
  const user = currentUser(req);
  const [content, users, pendingComments] = await Promise.all([
    contentOverview(),
    can(user, 'users:manage') ? userOverview() : Promise.resolve(null),
    countPendingComments(user),
  ]);
  res.render('admin/dashboard', { title: 'Admin', content, users, pendingComments });
}

async function showSettings(req: Request, res: Response) {
  res.render('admin/settings', await settingsPage(req));
}

async function saveSettings(req: Request, res: Response) {
  const { changed } = await updateSettings(actingContext(req), inputOf(settingsForm, res));
  res.flash(changed.length ? 'success' : 'info', changed.length ? 'Settings saved.' : 'Nothing changed.');
  res.redirect(303, '/admin/settings');
}

async function auditLog(_req: Request, res: Response) {
  const query = queryOf(auditQuery, res);
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
}
