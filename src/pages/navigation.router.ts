// The navigation menu over HTTP: the locals every page's header reads (the menu, from memory once
// resolved), and the menu form of /admin/settings (admins only, like the other settings).
import { Router, type Request, type RequestHandler, type Response } from 'express';
import { currentUser, requireCan } from '../site/guards.js';
import type { Invalid } from '../http/errors.js';
import { form, inputOf, validate } from '../http/validate.js';
import type { RouterDeps } from '../router-deps.js';
import { getSettings } from '../site/settings.service.js';
import { listPages } from './pages.service.js';
import { loadedNavigation, NAV_MAX, navigationForm, savedNavigation, saveNavigation, siteNavigation, type NavItem } from './navigation.service.js';
import { noStoreNoIndex } from '../http/no-store.js';

/** `res.locals.navigation`: the header's menu links (synchronous while the menu is in memory). */
export function navigationLocals(): RequestHandler {
  return (_req, res, next) => {
    const links = loadedNavigation();
    if (links) {
      res.locals.navigation = links;
      return next();
    }
    siteNavigation().then((loaded) => {
      res.locals.navigation = loaded;
      next();
    }, next);
  };
}

/** What the menu form on /admin/settings shows: rows (saved items, then blanks up to NAV_MAX) and the page slugs to pick from. */
export async function navigationFormLocals(actor: Parameters<typeof listPages>[0], rows?: NavItem[]) {
  const items = rows ?? (await savedNavigation());
  const blanks = Array.from({ length: Math.max(0, NAV_MAX - items.length) }, () => ({ kind: '', target: '', label: '' }));
  return { rows: [...items, ...blanks], pages: (await listPages(actor)).map((p) => ({ slug: p.slug, title: p.title, status: p.status })), max: NAV_MAX };
}

function asList(value: unknown): string[] {
  return Array.isArray(value) ? value.map(String) : typeof value === 'string' ? [value] : [];
}

/**
 * The settings page again after a refused menu (422): the menu as it was typed, with its messages listed
 * above it; the site form above keeps its saved values and shows no messages of its own.
 */
async function settingsWithTypedMenu(req: Request, _res: Response, err: Invalid) {
  const body = (req.body ?? {}) as Record<string, unknown>;
  const [labels, kinds, targets] = [asList(body.navLabel), asList(body.navKind), asList(body.navTarget)];
  const typed = labels.slice(0, NAV_MAX).map((label, i) => ({ label, kind: kinds[i] ?? '', target: targets[i] ?? '' })) as NavItem[];
  return {
    title: 'Settings',
    noindex: true,
    settings: await getSettings(),
    menuForm: { ...(await navigationFormLocals(currentUser(req), typed)), errors: Object.values(err.fields).flat() },
    errors: {},
    values: {},
    formError: undefined,
  };
}

export function navigationRouter(_deps: RouterDeps): Router {
  const router = Router();
  router.post('/admin/settings/navigation', requireCan('settings:manage'), noStoreNoIndex, form('admin/settings', settingsWithTypedMenu), validate(navigationForm), saveMenu);
  return router;
}

async function saveMenu(req: Request, res: Response) {
  const actor = currentUser(req);
  await saveNavigation({ actor: { id: actor.id, displayName: actor.displayName }, ip: req.ip }, inputOf(navigationForm, res));
  res.flash('success', 'Menu saved.');
  res.redirect(303, '/admin/settings#navigation');
}
