// Ghost JSON export import (Ghost 1 to 5: `{db: [{meta, data}]}` or `{meta, data}`). The file is parsed
// whole (it is bounded by IMPORT_MAX_MB before it is read) and its shape checked with zod; each post and
// page then goes through the shared ImportWriter with the same rules as WordPress imports. Pages (in
// `posts` with `type: "page"`, or `page: true` before Ghost 2, or in a `pages` array of their own) become
// Quire static pages at /pages/<slug>.
//
// Bodies: Lexical when present, else Mobiledoc, else the export's `html` (ghost-bodies.ts), then the
// usual HTML -> Markdown -> sanitiser path. Tags (internal `#tags` left out) and authors come from their
// relation tables (posts_tags, posts_authors; the first author owns the post). Old addresses `/<slug>/`
// (Ghost's default permalink) become 301 redirects; feature images are read from --media-dir
// (paths after /content/images/).
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { slugify } from '../posts/slugs.js';
import type { TagRef } from '../posts/tags.js';
import { ImportRefused } from './archive-import.js';
import { lexicalToHtml, mobiledocToHtml } from './ghost-bodies.js';
import { ImportReport } from './import-report.js';
import { ImportWriter, type ImportedPost, type WriterOptions } from './imported-content.js';
import { localImages } from './local-images.js';

const id = z.union([z.string(), z.number()]).transform(String);
const text = z.string().nullish().transform((v) => v ?? '');

const post = z.looseObject({
  id,
  uuid: z.string().nullish(),
  title: text,
  slug: text,
  lexical: z.string().nullish(),
  mobiledoc: z.string().nullish(),
  html: z.string().nullish(),
  feature_image: z.string().nullish(),
  custom_excerpt: z.string().nullish(),
  type: z.string().nullish(),
  page: z.union([z.boolean(), z.number()]).nullish(),
  status: text,
  created_at: z.string().nullish(),
  updated_at: z.string().nullish(),
  published_at: z.string().nullish(),
  author_id: id.nullish(),
});

const exportData = z.looseObject({
  posts: z.array(z.unknown()).default([]),
  pages: z.array(z.unknown()).default([]),
  posts_meta: z.array(z.looseObject({ post_id: id, feature_image_alt: z.string().nullish() })).default([]),
  tags: z.array(z.looseObject({ id, name: text, slug: text, visibility: z.string().nullish() })).default([]),
  posts_tags: z.array(z.looseObject({ post_id: id, tag_id: id, sort_order: z.number().nullish() })).default([]),
  users: z.array(z.looseObject({ id, name: text, slug: text, email: text, bio: z.string().nullish() })).default([]),
  posts_authors: z.array(z.looseObject({ post_id: id, author_id: id, sort_order: z.number().nullish() })).default([]),
});

const ghostFile = z
  .looseObject({ db: z.array(z.looseObject({ data: exportData })).min(1).optional(), data: exportData.optional() })
  .transform((f, ctx) => {
    const data = f.db?.[0]?.data ?? f.data;
    if (!data) ctx.addIssue({ code: 'custom', message: 'no data' });
    return data!;
  });

function date(value: string | null | undefined): Date | null {
  if (!value) return null;
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) throw new Error(`the date ${JSON.stringify(value.slice(0, 40))} cannot be read`);
  return d;
}

function bodyHtml(p: z.infer<typeof post>): string {
  if (p.lexical) return lexicalToHtml(p.lexical);
  if (p.mobiledoc) return mobiledocToHtml(p.mobiledoc);
  return p.html ?? '';
}

const STATUSES: Record<string, 'published' | 'draft' | undefined> = { published: 'published', sent: 'published', scheduled: 'published', draft: 'draft' };

export interface GhostOptions extends Omit<WriterOptions, 'images'> {
  mediaDir?: string | undefined;
}

export async function importGhost(file: string, options: GhostOptions): Promise<ImportReport> {
  const report = new ImportReport('ghost', options.dryRun);
  let data: z.infer<typeof ghostFile>;
  try {
    data = ghostFile.parse(JSON.parse(await readFile(file, 'utf8')));
  } catch (err) {
    throw new ImportRefused(`This is not a Ghost JSON export (${err instanceof SyntaxError ? 'not JSON' : 'unexpected shape'}).`);
  }
  const writer = new ImportWriter('ghost', 'ghost', report, { ...options, images: localImages(options.mediaDir, options.maxImageBytes, ['/content/images/']) });
  if (!options.mediaDir) report.notes.push('No --media-dir: images stay links to the old site.');

  for (const u of data.users) {
    await writer.user({ key: u.id, username: u.slug || u.name, email: u.email, displayName: u.name || u.slug, bio: u.bio ?? '' }, 'author');
  }
  const tags = new Map<string, TagRef>();
  for (const t of data.tags) {
    // Internal tags (#name) organise Ghost's themes; they are not for readers.
    if (t.visibility === 'internal' || t.name.startsWith('#')) continue;
    const slug = slugify(t.slug || t.name, 60);
    if (slug) tags.set(t.id, { slug, name: (t.name || slug).slice(0, 40) });
  }
  await writer.tags([...tags.values()]);
  for (const t of tags.values()) await writer.redirect(`/tag/${t.slug}/`, `/tags/${t.slug}`);

  const byOrder = (a: { sort_order?: number | null | undefined }, b: { sort_order?: number | null | undefined }) => (a.sort_order ?? 0) - (b.sort_order ?? 0);
  const tagsOf = new Map<string, string[]>();
  for (const pt of [...data.posts_tags].sort(byOrder)) tagsOf.set(pt.post_id, [...(tagsOf.get(pt.post_id) ?? []), pt.tag_id]);
  const authorOf = new Map<string, string>();
  for (const pa of [...data.posts_authors].sort(byOrder)) if (!authorOf.has(pa.post_id)) authorOf.set(pa.post_id, pa.author_id);
  const altOf = new Map(data.posts_meta.map((m) => [m.post_id, m.feature_image_alt ?? '']));

  const items = [...data.posts.map((raw) => ({ raw, inPages: false })), ...data.pages.map((raw) => ({ raw, inPages: true }))];
  for (const [index, { raw, inPages }] of items.entries()) {
    const label = (raw as { slug?: unknown })?.slug;
    const item = typeof label === 'string' && label ? label : `${inPages ? 'page' : 'post'} ${index + 1}`;
    const kind = inPages || (raw as { type?: unknown; page?: unknown })?.type === 'page' || (raw as { page?: unknown })?.page ? 'pages' : 'posts';
    try {
      const p = post.parse(raw);
      const status = STATUSES[p.status];
      if (!status) throw new Error(`unknown status ${JSON.stringify(p.status.slice(0, 20))}`);
      const publishedAt = date(p.published_at);
      if (status === 'published' && !publishedAt) throw new Error('a published post without published_at');
      const imported: ImportedPost = {
        key: p.uuid || p.id,
        kind: kind === 'pages' ? 'page' : 'post',
        title: p.title,
        slug: p.slug,
        html: bodyHtml(p).replace(/__GHOST_URL__/g, ''),
        excerpt: p.custom_excerpt ?? '',
        status,
        publishedAt: status === 'published' ? publishedAt : null,
        createdAt: date(p.created_at),
        updatedAt: date(p.updated_at),
        authorKey: authorOf.get(p.id) ?? p.author_id ?? null,
        tags: (tagsOf.get(p.id) ?? []).map((t) => tags.get(t)).filter((t): t is TagRef => t !== undefined),
        cover: p.feature_image ? { ref: p.feature_image.replace(/__GHOST_URL__/g, ''), alt: altOf.get(p.id) ?? '' } : null,
        oldPaths: p.slug ? [`/${p.slug}/`] : [],
        comments: [],
      };
      await writer.post(imported);
    } catch (err) {
      report.fail(kind, item.slice(0, 120), err instanceof z.ZodError ? `unexpected shape: ${err.issues[0]?.path.join('.')} ${err.issues[0]?.message}` : (err as Error).message);
    }
  }
  return report;
}
