// /admin/users: the list, and one POST per action (role, status, sign out everywhere, delete after a
// confirmation page). Admin only. Refusals by the last-admin and self rules come back to the list as a
// danger flash with nothing changed.
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { RouterDeps } from '../router-deps.js';
import { actingContext, currentUser, requireCan } from '../site/guards.js';
import { ROLES } from '../site/permissions.js';
import { conflictFlash } from '../http/conflicts.js';
import { plural } from '../http/format.js';
import { form, idParams, inputOf, listQueryString, objectId, pageNumber, paramsOf, queryOf, validate, validateParams, validateQuery } from '../http/validate.js';
import { USER_STATUSES } from '../users/user.model.js';
import { resetTwoFactor } from '../auth/two-factor.service.js';
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

/** A refusal by the last-admin or self rules (409): back to the list as it was, with the reason, nothing changed. */
// Every form here carries the list's query string in `back` but the delete form, which returns to the list's start.
const refusedBackToList = conflictFlash((_req, res) => `/admin/users${inputOf(backForm, res).back ?? ''}`);

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
  const id = validateParams(idParams);

  router.get('/users', guard, validateQuery(listQuery), listPage);
  router.post('/users/:id/role', guard, id, refusedBackToList, validate(roleForm), changeRoleFromForm);
  router.post('/users/:id/status', guard, id, refusedBackToList, validate(statusForm), setStatusFromForm);
  router.post('/users/:id/signout', guard, id, refusedBackToList, validate(backForm), signOutFromForm);
  // A lost phone and no recovery code: another admin turns the user's 2FA off (audited).
  router.post('/users/:id/2fa/reset', guard, id, refusedBackToList, validate(backForm), resetTwoFactorFromForm);
  router.get('/users/:id/delete', guard, id, confirmDelete);
  router.post('/users/:id/delete', guard, id, form('admin/user-delete', deletePage), refusedBackToList, validate(deleteForm), deleteFromForm);
  return router;

  async function deleteFromForm(req: Request, res: Response) {
    const input = inputOf(deleteForm, res);
    const plan = input.plan === 'reassign' ? { mode: 'reassign' as const, to: input.to ?? '' } : { mode: 'delete' as const };
    const result = await deleteUser(actingContext(req), paramsOf(idParams, res).id, plan, storage);
    const what = `${plural(result.posts, 'post')} and ${plural(result.media, 'image')}`;
    res.flash('success', result.heir ? `${result.user} was deleted; ${what} now belong to ${result.heir}.` : `${result.user} was deleted with ${what}.`);
    res.redirect(303, '/admin/users');
  }
}

async function listPage(req: Request, res: Response) {
  const query = queryOf(listQuery, res);
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
}

/** Back to the list (where the action was taken) with what happened. */
function backToList(res: Response, back: string | undefined, message: string): void {
  res.flash('success', message);
  res.redirect(303, `/admin/users${back ?? ''}`);
}

async function changeRoleFromForm(req: Request, res: Response) {
  const input = inputOf(roleForm, res);
  const result = await changeRole(actingContext(req), paramsOf(idParams, res).id, input.role);
  const role = `${article(input.role)} ${input.role}`;
  backToList(res, input.back, result.changed ? `${result.user} is now ${role}.` : `${result.user} is already ${role}.`);
}

async function setStatusFromForm(req: Request, res: Response) {
  const input = inputOf(statusForm, res);
  const result = await setStatus(actingContext(req), paramsOf(idParams, res).id, input.status);
  if (!result.changed) return backToList(res, input.back, `${result.user} is already ${input.status}.`);
  backToList(res, input.back, input.status === 'suspended' ? `${result.user} is suspended and signed out everywhere.` : `${result.user} is active again and may sign in.`);
}

async function signOutFromForm(req: Request, res: Response) {
  const input = inputOf(backForm, res);
  const result = await signOutEverywhere(actingContext(req), paramsOf(idParams, res).id);
  backToList(res, input.back, `${result.user} is signed out on every device.`);
}

async function resetTwoFactorFromForm(req: Request, res: Response) {
  const input = inputOf(backForm, res);
  const result = await resetTwoFactor(actingContext(req), paramsOf(idParams, res).id);
  backToList(
    res,
    input.back,
    result.changed ? `Two-factor sign-in is off for ${result.user}; they sign in with their password until they turn it on again.` : `${result.user} had no two-factor sign-in.`,
  );
}

async function deletePage(req: Request, res: Response) {
  return { title: 'Delete user', summary: await deletionSummary(currentUser(req).id, paramsOf(idParams, res).id) };
}

async function confirmDelete(req: Request, res: Response) {
  res.render('admin/user-delete', await deletePage(req, res));
}

function article(role: string): string {
  return /^[aeiou]/.test(role) ? 'an' : 'a';
}
