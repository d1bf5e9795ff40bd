// Site settings, read on every page. Kept in memory after the first read and replaced on every update,
// so a change applies on the next request without a query per request.
import { contentChanged } from '../http/content-version.js';
import { Settings } from './settings.model.js';

export interface SiteSettings {
  title: string;
  tagline: string;
  description: string;
  postsPerPage: number;
  signupOpen: boolean;
  commentsEnabled: boolean;
}

export const DEFAULT_SETTINGS: SiteSettings = Object.freeze({
  title: 'Quire',
  tagline: 'Stories worth reading',
  description: 'A blog published with Quire.',
  postsPerPage: 10,
  signupOpen: true,
  commentsEnabled: true,
});

let cached: SiteSettings | undefined;

export async function getSettings(): Promise<SiteSettings> {
  if (cached) return cached;
  const doc = await Settings.findById('site').lean();
  cached = { ...DEFAULT_SETTINGS, ...pick(doc) };
  return cached;
}

export async function saveSettings(next: SiteSettings): Promise<SiteSettings> {
  await Settings.findByIdAndUpdate('site', { $set: next }, { upsert: true, runValidators: true, setDefaultsOnInsert: true });
  cached = { ...next };
  contentChanged();
  return cached;
}

/** Tests that replace the database call this so the next read goes to it. */
export function forgetSettings(): void {
  cached = undefined;
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
