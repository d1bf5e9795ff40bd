// Site settings, read on every page. Kept in memory after the first read and replaced on every update,
// so a change applies on the next request without a query per request.
import { z } from 'zod';
import { onChange } from '../db/changes.js';
import type { SharedCachePolicy } from '../http/cdn-headers.js';
import { memoValue } from '../http/content-memo.js';
import { checkbox, requiredText, text } from '../http/validate.js';
import { recordAudit, type AuditContext } from './audit.service.js';
import { Settings, SETTINGS_TOPIC } from './settings.model.js';

export interface SiteSettings {
  title: string;
  tagline: string;
  description: string;
  postsPerPage: number;
  signupOpen: boolean;
  commentsEnabled: boolean;
  /** Editors and admins must turn on two-factor sign-in before anything else. */
  require2faForStaff: boolean;
  /** Readers who sign up confirm their address from an emailed link before they may comment. */
  verifyEmailOnSignup: boolean;
  /** How long a CDN may keep an anonymous page (s-maxage); purges end it sooner on every change. */
  cdnMaxAgeSeconds: number;
  /** How long after that a CDN may still serve it while it fetches a fresh one (stale-while-revalidate). */
  cdnStaleSeconds: number;
}

export const DEFAULT_SETTINGS: SiteSettings = Object.freeze({
  title: 'Quire',
  tagline: 'Stories worth reading',
  description: 'A blog published with Quire.',
  postsPerPage: 10,
  signupOpen: true,
  commentsEnabled: true,
  require2faForStaff: false,
  verifyEmailOnSignup: false,
  cdnMaxAgeSeconds: 300,
  cdnStaleSeconds: 60,
});

const ONE_DAY = 24 * 60 * 60;
const ONE_YEAR = 365 * ONE_DAY;

function seconds(max: number, fallback: number) {
  return z.preprocess(
    (v) => (v === undefined || v === '' ? fallback : v),
    z.coerce
      .number({ message: 'Enter a whole number of seconds.' })
      .int('Enter a whole number of seconds.')
      .min(0, 'At least 0 seconds.')
      .max(max, `At most ${max} seconds.`),
  );
}

/** The /admin/settings form. Unchecked checkboxes are absent from the body, which means false. */
export const settingsForm = z.object({
  title: requiredText(80, 'The site title'),
  tagline: text(160),
  description: text(300),
  postsPerPage: z.coerce
    .number({ message: 'Enter a whole number.' })
    .int('Enter a whole number.')
    .min(1, 'At least 1 post per page.')
    .max(50, 'At most 50 posts per page.'),
  signupOpen: checkbox,
  commentsEnabled: checkbox,
  require2faForStaff: checkbox,
  verifyEmailOnSignup: checkbox,
  // Absent from a form that predates them: the defaults.
  cdnMaxAgeSeconds: seconds(ONE_YEAR, DEFAULT_SETTINGS.cdnMaxAgeSeconds),
  cdnStaleSeconds: seconds(ONE_DAY, DEFAULT_SETTINGS.cdnStaleSeconds),
}) satisfies z.ZodType<SiteSettings, unknown>;

/** What the settings tell a CDN about anonymous pages (http/cdn-headers.ts). */
export function sharedCachePolicy(site: Pick<SiteSettings, 'cdnMaxAgeSeconds' | 'cdnStaleSeconds'>): SharedCachePolicy {
  return { maxAgeSeconds: site.cdnMaxAgeSeconds, staleSeconds: site.cdnStaleSeconds };
}

const settings = memoValue(async (): Promise<SiteSettings> => ({ ...DEFAULT_SETTINGS, ...pick(await Settings.findById('site').lean()) }));

// Settings saved (here, by another process, by an import): read them again on the next request.
onChange(() => settings.forget(), [SETTINGS_TOPIC]);

/** The settings when they have been read already (every request after the first), without waiting. */
export function loadedSettings(): SiteSettings | undefined {
  return settings.peek();
}

export function getSettings(): Promise<SiteSettings> {
  return settings.get();
}

export async function saveSettings(next: SiteSettings): Promise<SiteSettings> {
  await Settings.findByIdAndUpdate('site', { $set: next }, { upsert: true, runValidators: true, setDefaultsOnInsert: true });
  // The write announced itself (and emptied the kept settings and the page cache); what was saved is `next`.
  const saved = { ...next };
  settings.set(saved);
  return saved;
}

/** Saves the settings from the admin form and records what changed in the audit log. */
export async function updateSettings(ctx: AuditContext, next: SiteSettings): Promise<{ changed: (keyof SiteSettings)[] }> {
  const before = await getSettings();
  const changed = (Object.keys(DEFAULT_SETTINGS) as (keyof SiteSettings)[]).filter((key) => before[key] !== next[key]);
  if (changed.length === 0) return { changed };
  await saveSettings(next);
  await recordAudit({
    actor: ctx.actor,
    action: 'settings.update',
    target: { type: 'settings', id: 'site', label: 'Site settings' },
    detail: changed.map((key) => `${key}: ${JSON.stringify(before[key])} -> ${JSON.stringify(next[key])}`).join('; '),
    ip: ctx.ip,
  });
  return { changed };
}

/** Tests that replace the database call this so the next read goes to it. */
export function forgetSettings(): void {
  settings.forget();
}

function pick(doc: unknown): Partial<SiteSettings> {
  if (!doc || typeof doc !== 'object') return {};
  const d = doc as Record<string, unknown>;
  const out: Partial<SiteSettings> = {};
  for (const key of Object.keys(DEFAULT_SETTINGS) as (keyof SiteSettings)[]) {
    if (d[key] !== undefined && d[key] !== null) (out as Record<string, unknown>)[key] = d[key];
  }
  return out;
}
