// /admin/users: the list, and one POST per action (role, status, sign out everywhere, delete after a
// confirmation page). Admin only. Refusals by the last-admin and self rules come back to the list as a
// danger flash with nothing changed.
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { RouterDeps } from '../router-deps.js';
import { currentUser, requireCan } from '../site/guards.js';
import { ROLES } from '../site/permissions.js';
import { Conflict } from '../http/errors.js';
import { plural } from '../http/format.js';
import { form, inputOf, listQueryString, objectId, pageNumber, validate } from '../http/validate.js';
import { USER_STATUSES } from '../users/user.model.js';
import { resetTwoFactor } from '../auth/two-factor.service.js';
import { adminContext } from './admin-context.js';
import {
  changeRole,
  deleteUser,
  deletionSummary,
  listUsers,
  setStatus,
  signOutEverywhere,
  USERS_PAGE_SIZE,
} from './users.admin.service.js';

const listQuery = z.object({
  q: z.string().trim().max(100).optional().catch(undefined),
  role: z.enum(ROLES).optional().catch(undefined),
  status: z.enum(USER_STATUSES).optional().catch(undefined),
  page: pageNumber,
});


const roleForm = z.object({ role: z.enum(ROLES, { message: 'Choose a role.' }), back: listQueryString });
const statusForm = z.object({ status: z.enum(USER_STATUSES, { message: 'Choose a status.' }), back: listQueryString });
const backForm = z.object({ back: listQueryString });
const deleteForm = z
  .object({
    plan: z.enum(['reassign', 'delete'], { message: 'Choose what happens to their posts and media.' }),
    to: z.union([objectId, z.literal('')]).optional(),
  })
  .refine((v) => v.plan === 'delete' || Boolean(v.to), {
    path: ['to'],
    message: 'Choose who receives their posts and media.',
  });

/** The :id of the route, kept in res.locals: the error handler re-renders a form after req.params is reset. */
const userId = (res: Response) => String(res.locals.userId);

/** Performs an action and returns to the list with its outcome, or with the reason it was refused. */
async function thenBackToList(res: Response, backTo: string | undefined, action: () => Promise<string>): Promise<void> {
  try {
    res.flash('success', await action());
  } catch (err) {
    if (!(err instanceof Conflict)) throw err;
    res.flash('danger', err.message);
  }
  res.redirect(303, `/admin/users${backTo ?? ''}`);
}

function listUrl(query: z.infer<typeof listQuery>, page: number): string {
  const params = new URLSearchParams();
  if (query.q) params.set('q', query.q);
  if (query.role) params.set('role', query.role);
  if (query.status) params.set('status', query.status);
  if (page > 1) params.set('page', String(page));
  const search = params.toString();
  return search ? `?${search}` : '';
}

export function usersAdminRouter({ storage }: RouterDeps): Router {
  const router = Router();
  const guard = requireCan('users:manage');
  router.param('id', (_req, res, next, id: string) => {
    res.locals.userId = id;
    next();
  });

  router.get('/users', guard, validate(listQuery, 'query'), async (req, res) => {
    const query = inputOf(listQuery, res);
    const list = await listUsers(query);
    res.render('admin/users', {
      title: 'Users',
      query,
      list,
      pageSize: USERS_PAGE_SIZE,
      here: listUrl(query, list.page),
      prevUrl: list.page > 1 ? `/admin/users${listUrl(query, list.page - 1)}` : null,
      nextUrl: list.page < list.pages ? `/admin/users${listUrl(query, list.page + 1)}` : null,
      roles: ROLES,
      statuses: USER_STATUSES,
      selfId: currentUser(req).id,
    });
  });

  router.post('/users/:id/role', guard, validate(roleForm), async (req, res) => {
    const input = inputOf(roleForm, res);
    await thenBackToList(res, input.back, async () => {
      const result = await changeRole(adminContext(req), userId(res), input.role);
      return result.changed ? `${result.user} is now ${article(input.role)} ${input.role}.` : `${result.user} is already ${article(input.role)} ${input.role}.`;
    });
  });

  router.post('/users/:id/status', guard, validate(statusForm), async (req, res) => {
    const input = inputOf(statusForm, res);
    await thenBackToList(res, input.back, async () => {
      const result = await setStatus(adminContext(req), userId(res), input.status);
      if (!result.changed) return `${result.user} is already ${input.status}.`;
      return input.status === 'suspended'
        ? `${result.user} is suspended and signed out everywhere.`
        : `${result.user} is active again and may sign in.`;
    });
  });

  router.post('/users/:id/signout', guard, validate(backForm), async (req, res) => {
    const input = inputOf(backForm, res);
    await thenBackToList(res, input.back, async () => {
      const result = await signOutEverywhere(adminContext(req), userId(res));
      return `${result.user} is signed out on every device.`;
    });
  });

  // A lost phone and no recovery code: another admin turns the user's 2FA off (audited).
  router.post('/users/:id/2fa/reset', guard, validate(backForm), async (req, res) => {
    const input = inputOf(backForm, res);
    await thenBackToList(res, input.back, async () => {
      const result = await resetTwoFactor(adminContext(req), userId(res));
      return result.changed ? `Two-factor sign-in is off for ${result.user}; they sign in with their password until they turn it on again.` : `${result.user} had no two-factor sign-in.`;
    });
  });

  const deletePage = async (req: Request, res: Response) => ({
    title: 'Delete user',
    summary: await deletionSummary(currentUser(req).id, userId(res)),
  });

  router.get('/users/:id/delete', guard, async (req, res) => {
    res.render('admin/user-delete', await deletePage(req, res));
  });

  router.post('/users/:id/delete', guard, form('admin/user-delete', deletePage), validate(deleteForm), async (req, res) => {
    const input = inputOf(deleteForm, res);
    const plan = input.plan === 'reassign' ? { mode: 'reassign' as const, to: input.to ?? '' } : { mode: 'delete' as const };
    await thenBackToList(res, undefined, async () => {
      const result = await deleteUser(adminContext(req), userId(res), plan, storage);
      const what = `${plural(result.posts, 'post')} and ${plural(result.media, 'image')}`;
      return result.heir ? `${result.user} was deleted; ${what} now belong to ${result.heir}.` : `${result.user} was deleted with ${what}.`;
    });
  });

  return router;
}

function article(role: string): string {
  return /^[aeiou]/.test(role) ? 'an' : 'a';
}
