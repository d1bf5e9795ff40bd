// The navigation menu in the header of every page: items that point to a page, a tag or an external
// https link, each with a label, in the order the admin gave (at most NAV_MAX). Without a saved menu the
// default is Home, Tags, Authors, and About when a published page `about` exists.
//
// The menu as links is read on every page, so it is kept in memory once resolved and dropped on every
// content change (a page published or deleted, the menu saved, here or in another process): a request pays
// for no query while nothing changes.
import mongoose from 'mongoose';
import { z } from 'zod';
import { onChange } from '../db/changes.js';
import { memoValue } from '../http/content-memo.js';
import { invalidField } from '../http/errors.js';
import { cleanLine } from '../http/validate.js';
import { findTag } from '../posts/tags.js';
import { SLUG_PATTERN } from '../posts/slugs.js';
import { recordAudit, type AuditContext } from '../site/audit.service.js';
import { Navigation, NAV_KINDS, type NavKind } from './navigation.model.js';
import { Page } from './page.model.js';

export const NAV_MAX = 12;
export const NAV_LABEL_MAX = 40;

export interface NavItem {
  kind: NavKind;
  target: string;
  label: string;
}

/** A menu entry as the header shows it. */
export interface NavLink {
  label: string;
  href: string;
  external: boolean;
}

/** What the header shows when the menu cannot be read (an error page while the database is down). */
export const FALLBACK_NAVIGATION: readonly NavLink[] = Object.freeze([
  { label: 'Home', href: '/', external: false },
  { label: 'Tags', href: '/tags', external: false },
  { label: 'Authors', href: '/authors', external: false },
]);

/** An https URL with a host, no credentials: nothing else (javascript:, data:, http:) goes in the menu. */
function httpsUrl(value: string): string | null {
  try {
    const url = new URL(value);
    if (url.protocol !== 'https:' || !url.hostname || url.username || url.password) return null;
    return url.href;
  } catch {
    return null;
  }
}

const asList = z.union([z.string(), z.array(z.string())]).optional().transform((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]));

/**
 * The /admin/settings menu form: rows of `navLabel`, `navKind`, `navTarget` (the same field names repeated,
 * one row each, in order); rows left empty are dropped. Messages are keyed `nav.<row>`.
 */
export const navigationForm = z
  .object({ navLabel: asList, navKind: asList, navTarget: asList })
  .transform((form, ctx) => {
    const items: NavItem[] = [];
    const rows = Math.max(form.navLabel.length, form.navKind.length, form.navTarget.length);
    if (rows > NAV_MAX * 2) {
      ctx.addIssue({ code: 'custom', message: 'Too many rows.', path: ['nav'] });
      return z.NEVER;
    }
    for (let i = 0; i < rows; i++) {
      const label = cleanLine(form.navLabel[i] ?? '');
      const target = (form.navTarget[i] ?? '').trim();
      const kind = form.navKind[i] ?? '';
      if (!label && !target) continue;
      const problem = (message: string) => ctx.addIssue({ code: 'custom', message: `Item ${i + 1}: ${message}`, path: ['nav', String(i)] });
      if (!(NAV_KINDS as readonly string[]).includes(kind)) problem('choose what it links to.');
      else if (!label) problem('give it a label.');
      else if (label.length > NAV_LABEL_MAX) problem(`the label is at most ${NAV_LABEL_MAX} characters.`);
      else if (kind === 'link') {
        const url = httpsUrl(target);
        if (!url || url.length > 500) problem('an external link must be a full https:// address.');
        else items.push({ kind, target: url, label });
      } else if (!SLUG_PATTERN.test(target.toLowerCase()) || target.length > 100) problem(`give the ${kind}’s slug (like ${kind === 'page' ? 'about' : 'news'}).`);
      else items.push({ kind: kind as NavKind, target: target.toLowerCase(), label });
    }
    if (items.length > NAV_MAX) ctx.addIssue({ code: 'custom', message: `The menu holds at most ${NAV_MAX} items.`, path: ['nav'] });
    return items;
  });

/** The saved menu items (empty: the default menu is shown). */
export async function savedNavigation(): Promise<NavItem[]> {
  const doc = await Navigation.findById('site').lean();
  return (doc?.items ?? []).map((i) => ({ kind: i.kind as NavKind, target: i.target, label: i.label }));
}

/** Saves the menu (checked: pages and tags must exist) and records it in the audit log. */
export async function saveNavigation(ctx: AuditContext, items: NavItem[]): Promise<void> {
  for (const [i, item] of items.entries()) {
    if (item.kind === 'page' && !(await Page.exists({ slug: item.target }))) throw invalidField(`nav.${i}`, `Item ${i + 1}: there is no page “${item.target}”.`);
    if (item.kind === 'tag' && !(await findTag(item.target))) throw invalidField(`nav.${i}`, `Item ${i + 1}: there is no tag “${item.target}”.`);
  }
  const before = await savedNavigation();
  await Navigation.findByIdAndUpdate('site', { $set: { items } }, { upsert: true, runValidators: true });
  await recordAudit({
    actor: ctx.actor,
    action: 'settings.navigation',
    target: { type: 'settings', id: 'navigation', label: 'Navigation menu' },
    detail: `${describe(before)} -> ${describe(items)}`,
    ip: ctx.ip,
  });
}

function describe(items: NavItem[]): string {
  return items.length ? items.map((i) => `${i.label} (${i.kind}: ${i.target})`).join(', ') : 'default menu';
}

/** The menu as links: the saved items whose targets readers can reach, or the default menu. */
async function resolveNavigation(): Promise<NavLink[]> {
  const items = await savedNavigation();
  const pageSlugs = items.filter((i) => i.kind === 'page').map((i) => i.target);
  if (items.length === 0) pageSlugs.push('about');
  const published = new Set(
    pageSlugs.length ? (await Page.find({ slug: mongoose.trusted({ $in: pageSlugs }), status: 'published' }, 'slug').lean()).map((p) => p.slug) : [],
  );
  if (items.length === 0) {
    return [...FALLBACK_NAVIGATION, ...(published.has('about') ? [{ label: 'About', href: '/pages/about', external: false }] : [])];
  }
  // A page that is not (or no longer) published is left out rather than linked to a 404.
  return items
    .filter((i) => i.kind !== 'page' || published.has(i.target))
    .map((i) => ({
      label: i.label,
      href: i.kind === 'page' ? `/pages/${i.target}` : i.kind === 'tag' ? `/tags/${i.target}` : i.target,
      external: i.kind === 'link',
    }));
}

// A menu resolved while a change happened is not kept as current.
const navigation = memoValue(resolveNavigation);
// Any change may touch the menu (a page published or unpublished, a tag's posts, the menu itself).
onChange(() => navigation.forget());

/** The menu when it is in memory (every request after the first since the last change), without waiting. */
export function loadedNavigation(): NavLink[] | undefined {
  return navigation.peek();
}

export function siteNavigation(): Promise<NavLink[]> {
  return navigation.get();
}
