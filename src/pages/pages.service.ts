// Static pages: create, edit (optimistic concurrency, as posts), publish, delete, and what readers see.
// Pages belong to the site, not to a writer: editors and admins manage every page (`page:manage`), authors
// and readers none. Every write is audited and announced by the Page model (src/db/announce-writes.ts), so cached pages, the navigation
// menu and the sitemap are rebuilt. A page whose slug changes keeps its old address working (a 301 through
// the redirects table, src/site/redirects.ts) and its place in the menu.
import { can, type Actor, type NamedActor } from '../site/permissions.js';
import { isDuplicateKey } from '../db/duplicate-key.js';
import { Conflict, Forbidden, invalidField, NotFound } from '../http/errors.js';
import type { Types } from 'mongoose';
import { renderBody } from '../posts/post-content.js';
import { slugify } from '../posts/slugs.js';
import { recordAudit, type RequestMeta } from '../site/audit.service.js';
import { Redirect } from '../site/redirect.model.js';
import { Navigation } from './navigation.model.js';
import { Page, type PageDoc, type PageStatus } from './page.model.js';

export interface PageInput {
  title: string;
  /** '' keeps the current slug (a new page gets one from its title). */
  slug: string;
  bodyMarkdown: string;
  status: PageStatus;
}

export interface PageView {
  slug: string;
  url: string;
  title: string;
  bodyHtml: string;
  status: PageStatus;
  updatedAt: Date;
  canEdit: boolean;
}

export interface PageRow {
  id: string;
  slug: string;
  title: string;
  status: PageStatus;
  updatedAt: Date;
  lastEditorName: string;
}

/** At most this many pages are listed (and offered to the navigation menu); a site has a handful. */
export const MAX_PAGES_LISTED = 500;

function assertMayManage(actor: Actor | null): void {
  if (!can(actor, 'page:manage')) throw new Forbidden('Only editors and admins manage pages.');
}

/**
 * A page's stored HTML and text, from its Markdown, rendered by the posts' renderer (sanitised, library
 * images at their size with their renditions), and the library images it shows (so the media library counts
 * them as in use): also used by the importers.
 */
export async function pageBody(bodyMarkdown: string): Promise<{ bodyHtml: string; bodyText: string; mediaIds: Types.ObjectId[] }> {
  const { bodyHtml, bodyText, mediaIds } = await renderBody(bodyMarkdown, '');
  return { bodyHtml, bodyText, mediaIds };
}

/** The page at `slug` for a reader: published pages for everyone, drafts only for those who manage pages. */
export async function pageForReader(slug: string, viewer: Actor | null): Promise<PageView | null> {
  const doc = await Page.findOne({ slug }, 'slug title bodyHtml status updatedAt').lean<PageDoc>();
  if (!doc) return null;
  const canEdit = can(viewer, 'page:manage');
  if (doc.status !== 'published' && !canEdit) return null;
  return { slug: doc.slug, url: `/pages/${doc.slug}`, title: doc.title, bodyHtml: doc.bodyHtml, status: doc.status, updatedAt: doc.updatedAt, canEdit };
}

/** Every page, most recently changed first, for the people who manage them. */
export async function listPages(actor: Actor): Promise<PageRow[]> {
  assertMayManage(actor);
  const docs = await Page.find({}, 'slug title status updatedAt lastEditorName').sort({ updatedAt: -1, _id: -1 }).limit(MAX_PAGES_LISTED).lean<PageDoc[]>();
  return docs.map((d) => ({ id: String(d._id), slug: d.slug, title: d.title, status: d.status, updatedAt: d.updatedAt, lastEditorName: d.lastEditorName }));
}

/** Published pages' slugs, titles and last changes (the sitemap, the navigation menu). */
export async function publishedPages(): Promise<Array<{ slug: string; title: string; updatedAt: Date }>> {
  const docs = await Page.find({ status: 'published' }, 'slug title updatedAt').sort({ slug: 1 }).limit(MAX_PAGES_LISTED).lean<PageDoc[]>();
  return docs.map((d) => ({ slug: d.slug, title: d.title, updatedAt: d.updatedAt }));
}

/** The page with this slug, for its editor (404 when there is none, 403 for those who may not manage pages). */
export async function editablePage(actor: Actor, slug: string): Promise<PageDoc> {
  assertMayManage(actor);
  const page = await Page.findOne({ slug }).lean<PageDoc>();
  if (!page) throw new NotFound();
  return page;
}

export async function createPage(actor: NamedActor, input: PageInput, meta: RequestMeta = {}): Promise<PageDoc> {
  assertMayManage(actor);
  const slug = input.slug || slugify(input.title);
  if (!slug) throw invalidField('slug', 'Choose a slug: the title has no letters or digits to make one from.');
  let created: PageDoc;
  try {
    created = (
      await Page.create({
        title: input.title,
        slug,
        bodyMarkdown: input.bodyMarkdown,
        ...(await pageBody(input.bodyMarkdown)),
        status: input.status,
        author: actor.id,
        lastEditorName: actor.displayName,
      })
    ).toObject() as PageDoc;
  } catch (err) {
    // The unique index decides between two pages saved with the same slug at once.
    if (isDuplicateKey(err)) throw invalidField('slug', 'Another page already uses this slug.');
    throw err;
  }
  // The address is this page's now, not an old address of another one.
  await Redirect.deleteOne({ path: pagePath(created.slug) });
  await audit(actor, 'page.create', created, meta);
  return created;
}

/**
 * Saves an edit made on version `loadedVersion`. If the page changed since (someone else saved), nothing is
 * written and Conflict (409) says so.
 */
export async function updatePage(actor: NamedActor, slug: string, loadedVersion: number, input: PageInput, meta: RequestMeta = {}): Promise<PageDoc> {
  const current = await editablePage(actor, slug);
  const newSlug = input.slug || current.slug;
  let saved: PageDoc | null;
  try {
    // The version in the filter makes check-and-write one step: of two saves from the same loaded
    // version, exactly one matches (FerretDB too: Quire's patched build applies it atomically).
    saved = await Page.findOneAndUpdate(
      { _id: current._id, version: loadedVersion },
      {
        $set: { title: input.title, slug: newSlug, bodyMarkdown: input.bodyMarkdown, ...(await pageBody(input.bodyMarkdown)), status: input.status, lastEditorName: actor.displayName },
        $inc: { version: 1 },
      },
      { returnDocument: 'after', runValidators: true },
    ).lean<PageDoc>();
  } catch (err) {
    if (isDuplicateKey(err)) throw invalidField('slug', 'Another page already uses this slug.');
    throw err;
  }
  if (!saved) throw new Conflict('This page was changed by someone else after you opened it. Nothing was saved: reload it and make your change again.');
  if (saved.slug !== current.slug) await followRename(current.slug, saved.slug);
  await audit(actor, current.status !== saved.status ? (saved.status === 'published' ? 'page.publish' : 'page.unpublish') : 'page.update', saved, meta);
  return saved;
}

export async function deletePage(actor: NamedActor, slug: string, meta: RequestMeta = {}): Promise<PageDoc> {
  const page = await editablePage(actor, slug);
  await Page.deleteOne({ _id: page._id });
  // Its old addresses would now lead to a 404 through a redirect: they answer 404 themselves.
  await Redirect.deleteMany({ to: pagePath(page.slug), source: PAGE_REDIRECT_SOURCE });
  await audit(actor, 'page.delete', page, meta);
  return page;
}

const PAGE_REDIRECT_SOURCE = 'page';
const pagePath = (slug: string) => `/pages/${slug}`;

/**
 * After a page moved from `from` to `to`: links to the old address answer 301 (earlier addresses of the same
 * page go straight to the new one, not along a chain), the new address is no one's old address any more,
 * and menu items that named the old slug name the new one. Not one step with the page's own write (no
 * transactions on either engine): a crash in between leaves the old address a 404, as before this existed.
 */
async function followRename(from: string, to: string): Promise<void> {
  await Redirect.deleteOne({ path: pagePath(to) });
  await Redirect.updateMany({ to: pagePath(from), source: PAGE_REDIRECT_SOURCE }, { $set: { to: pagePath(to) } });
  await Redirect.updateOne(
    { path: pagePath(from) },
    { $set: { to: pagePath(to), source: PAGE_REDIRECT_SOURCE } },
    { upsert: true, runValidators: true },
  );
  const menu = await Navigation.findOne({ _id: 'site' }, 'items').lean();
  if (menu?.items.some((item) => item.kind === 'page' && item.target === from)) {
    const items = menu.items.map((item) => (item.kind === 'page' && item.target === from ? { ...item, target: to } : item));
    await Navigation.updateOne({ _id: 'site' }, { $set: { items } }, { runValidators: true });
  }
}

async function audit(actor: NamedActor, action: string, page: Pick<PageDoc, '_id' | 'title' | 'slug'>, meta: RequestMeta): Promise<void> {
  await recordAudit({
    actor: { id: actor.id, displayName: actor.displayName },
    action,
    target: { type: 'page', id: String(page._id), label: `${page.title} (/pages/${page.slug})` },
    ip: meta.ip,
  });
}

/** Whether a page with this slug exists (any status), for checking navigation items. */
export async function pageExists(slug: string): Promise<boolean> {
  return Boolean(await Page.exists({ slug }));
}
