// WordPress eXtended RSS (WXR) import. The file is read as a stream by saxes, which never reads external
// entities or DTDs; a file that declares a DOCTYPE at all is refused (WordPress never writes one, and a
// DOCTYPE is how XXE and "billion laughs" files start), as is XML that is not well-formed.
//
// Two passes over the file, so memory stays bounded by one item: the first collects what items refer to
// (authors, categories and tags, attachments' URLs), the second turns each post and page into an
// ImportedPost as soon as its </item> is read, and waits for it to be written before reading on.
//
// What maps to what: posts -> posts, pages -> static pages at /pages/<slug> (status publish -> published, future -> scheduled, draft / pending /
// private -> draft; trash, auto-drafts, revisions, attachments and menu items are not imported),
// categories and tags -> tags, wp:author -> author accounts, approved comments (not pingbacks) -> comments
// threaded one level deep as Quire shows them (imported-content.ts), _thumbnail_id -> cover image, <link> paths -> 301 redirects.
import { createReadStream } from 'node:fs';
import { SaxesParser, type SaxesTagPlain } from 'saxes';
import { slugify } from '../posts/slugs.js';
import type { TagRef } from '../posts/tags.js';
import { ImportRefused } from './archive-import.js';
import { ImportReport } from './import-report.js';
import { ImportWriter, type ImportedComment, type ImportedPost, type WriterOptions } from './imported-content.js';
import { localImages } from './local-images.js';

type Fields = Record<string, string>;

interface WxrItem {
  fields: Fields;
  categories: { domain: string; nicename: string; name: string }[];
  meta: Fields;
  comments: Fields[];
  /** A field was longer than FIELD_MAX. */
  oversized: boolean;
}

interface WxrHandlers {
  channel?: (kind: 'wp:author' | 'wp:category' | 'wp:tag' | 'link' | 'wp:base_site_url', fields: Fields, text: string) => void;
  item?: (item: WxrItem) => Promise<void>;
}

/** Longest text kept for one field (a post body); an item with a longer one is reported, not imported. */
const FIELD_MAX = 5_000_000;
const CHANNEL_RECORDS = new Set(['wp:author', 'wp:category', 'wp:tag']);

/** Streams the WXR file through saxes, calling `item` for every <item> (and waiting for it). */
async function walk(file: string, handlers: WxrHandlers): Promise<void> {
  const parser = new SaxesParser({ xmlns: false, position: true });
  const stack: string[] = [];
  let text = '';
  let item: WxrItem | null = null;
  let record: Fields | null = null;
  let comment: Fields | null = null;
  let meta: Fields | null = null;
  let category: { domain: string; nicename: string; name: string } | null = null;
  const ready: WxrItem[] = [];
  let sawRss = false;

  parser.on('doctype', () => {
    throw new ImportRefused('This XML file declares a DOCTYPE (entities): WordPress exports have none, so it is refused unread.');
  });
  parser.on('error', (err) => {
    throw new ImportRefused(`This file is not well-formed XML (${err.message}).`);
  });
  parser.on('opentag', (tag: SaxesTagPlain) => {
    const name = tag.name;
    if (stack.length === 0) {
      if (name !== 'rss') throw new ImportRefused('This XML file is not a WordPress export (no <rss> root).');
      sawRss = true;
    }
    const parent = stack[stack.length - 1];
    stack.push(name);
    text = '';
    if (name === 'item' && parent === 'channel') item = { fields: {}, categories: [], meta: {}, comments: [], oversized: false };
    else if (item && name === 'wp:comment') comment = {};
    else if (item && name === 'wp:postmeta') meta = {};
    else if (item && name === 'category' && parent === 'item') category = { domain: String(tag.attributes.domain ?? ''), nicename: String(tag.attributes.nicename ?? ''), name: '' };
    else if (!item && parent === 'channel' && CHANNEL_RECORDS.has(name)) record = {};
  });
  const onText = (t: string) => {
    if (text.length + t.length > FIELD_MAX) {
      if (item) item.oversized = true;
      return;
    }
    text += t;
  };
  parser.on('text', onText);
  parser.on('cdata', onText);
  parser.on('closetag', (tag) => {
    const name = tag.name;
    stack.pop();
    const parent = stack[stack.length - 1];
    const value = text;
    text = '';
    if (item) {
      if (name === 'item') {
        ready.push(item);
        item = null;
      } else if (name === 'wp:comment') {
        if (comment) item.comments.push(comment);
        comment = null;
      } else if (comment && parent === 'wp:comment') comment[name] = value;
      else if (name === 'wp:postmeta') {
        if (meta?.['wp:meta_key']) item.meta[meta['wp:meta_key']] = meta['wp:meta_value'] ?? '';
        meta = null;
      } else if (meta && parent === 'wp:postmeta') meta[name] = value;
      else if (category && name === 'category') {
        category.name = value.trim();
        item.categories.push(category);
        category = null;
      } else if (parent === 'item') item.fields[name] = value;
      return;
    }
    if (record && CHANNEL_RECORDS.has(name) && parent === 'channel') {
      handlers.channel?.(name as 'wp:author', record, '');
      record = null;
    } else if (record) record[name] = value.trim();
    else if (parent === 'channel' && (name === 'link' || name === 'wp:base_site_url')) handlers.channel?.(name, {}, value.trim());
  });

  for await (const chunk of createReadStream(file, { encoding: 'utf8', highWaterMark: 256 * 1024 })) {
    parser.write(chunk as string);
    while (ready.length) await handlers.item?.(ready.shift()!);
  }
  parser.close();
  while (ready.length) await handlers.item?.(ready.shift()!);
  if (!sawRss) throw new ImportRefused('This file is not a WordPress export.');
}

/** "2019-03-01 10:00:00" (GMT) -> Date; null for WordPress's "never" (0000-00-00) or nothing. */
function wpDate(gmt: string | undefined, fallback?: string): Date | null {
  for (const value of [gmt, fallback]) {
    const v = value?.trim();
    if (!v || v.startsWith('0000-00-00')) continue;
    const match = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})$/.exec(v);
    const date = match ? new Date(Date.UTC(+match[1]!, +match[2]! - 1, +match[3]!, +match[4]!, +match[5]!, +match[6]!)) : new Date(v);
    if (Number.isNaN(date.getTime())) throw new Error(`the date ${JSON.stringify(v.slice(0, 40))} cannot be read`);
    return date;
  }
  return null;
}

function pathOf(link: string | undefined): string | null {
  if (!link) return null;
  try {
    const url = new URL(link.trim(), 'http://import.invalid/');
    // ?p=123 and ?page_id=7 address the home page's path; they cannot be told apart by path alone.
    if (url.search && (url.pathname === '/' || url.pathname === '')) return null;
    return url.pathname;
  } catch {
    return null;
  }
}

function decodeSlug(slug: string): string {
  try {
    return decodeURIComponent(slug);
  } catch {
    return slug;
  }
}

const STATUSES: Record<string, 'published' | 'draft' | undefined> = { publish: 'published', future: 'published', draft: 'draft', pending: 'draft', private: 'draft' };

function toPost(item: WxrItem, attachments: Map<string, string>): ImportedPost | { skip: string } {
  const f = item.fields;
  const kind = f['wp:post_type'] ?? 'post';
  if (kind !== 'post' && kind !== 'page') return { skip: kind };
  const wpStatus = f['wp:status'] ?? 'draft';
  const status = STATUSES[wpStatus];
  if (!status) return { skip: wpStatus };
  if (item.oversized) throw new Error('a field is larger than 5 MB');
  if (!f['wp:post_id']?.trim()) throw new Error('it has no wp:post_id');
  const date = wpDate(f['wp:post_date_gmt'], f['wp:post_date']);
  if (status === 'published' && !date) throw new Error('a published item without a date');
  const tags: TagRef[] = [];
  for (const c of item.categories) {
    if (c.domain !== 'category' && c.domain !== 'post_tag') continue;
    const slug = slugify(c.nicename ? decodeSlug(c.nicename) : c.name, 60);
    if (!slug || slug === 'uncategorized' || tags.some((t) => t.slug === slug)) continue;
    tags.push({ slug, name: (c.name || slug).slice(0, 40) });
  }
  const comments: ImportedComment[] = item.comments
    .filter((c) => c['wp:comment_approved'] === '1' && ['', 'comment'].includes(c['wp:comment_type'] ?? ''))
    .map((c) => ({
      key: c['wp:comment_id'] ?? '',
      parentKey: c['wp:comment_parent'] && c['wp:comment_parent'] !== '0' ? c['wp:comment_parent'] : null,
      authorName: c['wp:comment_author'] ?? '',
      authorEmail: c['wp:comment_author_email'] ?? '',
      content: c['wp:comment_content'] ?? '',
      createdAt: wpDate(c['wp:comment_date_gmt'], c['wp:comment_date']),
    }))
    .filter((c) => c.key);
  const thumb = item.meta._thumbnail_id ? attachments.get(item.meta._thumbnail_id.trim()) : undefined;
  const old = pathOf(f.link);
  return {
    key: f['wp:post_id'].trim(),
    kind,
    title: f.title ?? '',
    slug: decodeSlug(f['wp:post_name'] ?? ''),
    html: f['content:encoded'] ?? '',
    excerpt: f['excerpt:encoded'] ?? '',
    status,
    publishedAt: status === 'published' ? date : null,
    createdAt: date,
    updatedAt: wpDate(f['wp:post_modified_gmt'], f['wp:post_modified']) ?? date,
    authorKey: f['dc:creator']?.trim() || null,
    tags,
    cover: thumb ? { ref: thumb, alt: '' } : null,
    oldPaths: old ? [old] : [],
    comments,
  };
}

export interface WordPressOptions extends Omit<WriterOptions, 'images'> {
  mediaDir?: string | undefined;
}

export async function importWordPress(file: string, options: WordPressOptions): Promise<ImportReport> {
  const report = new ImportReport('wordpress', options.dryRun);
  // Pass 1: the site, its authors and terms, and where attachments are.
  let site = '';
  const authors: Fields[] = [];
  const terms: { slug: string; name: string; path: string }[] = [];
  const attachments = new Map<string, string>();
  await walk(file, {
    channel: (kind, fields, text) => {
      if (kind === 'wp:base_site_url' || (kind === 'link' && !site)) site = text;
      else if (kind === 'wp:author') authors.push(fields);
      else if (kind === 'wp:category' || kind === 'wp:tag') {
        const nicename = decodeSlug(fields['wp:category_nicename'] ?? fields['wp:tag_slug'] ?? '');
        const name = fields['wp:cat_name'] ?? fields['wp:tag_name'] ?? nicename;
        const slug = slugify(nicename || name, 60);
        if (slug && slug !== 'uncategorized') terms.push({ slug, name: name.slice(0, 40) || slug, path: `/${kind === 'wp:category' ? 'category' : 'tag'}/${nicename || slug}` });
      }
    },
    item: async (item) => {
      const url = item.fields['wp:attachment_url'];
      if (item.fields['wp:post_type'] === 'attachment' && url && item.fields['wp:post_id']) attachments.set(item.fields['wp:post_id'].trim(), url.trim());
    },
  });

  const writer = new ImportWriter(`wordpress:${site}`, 'wordpress', report, {
    ...options,
    images: localImages(options.mediaDir, options.maxImageBytes, ['/wp-content/uploads/']),
  });
  if (!options.mediaDir) report.notes.push('No --media-dir: images stay links to the old site.');
  for (const a of authors) {
    const login = a['wp:author_login'] ?? '';
    if (!login) {
      report.fail('authors', '(no login)', 'an author without wp:author_login');
      continue;
    }
    await writer.user({ key: login, username: login, email: a['wp:author_email'] ?? '', displayName: a['wp:author_display_name'] || login }, 'author');
  }
  await writer.tags(terms.map(({ slug, name }) => ({ slug, name })));
  for (const t of terms) await writer.redirect(t.path, `/tags/${t.slug}`);

  // Pass 2: posts and pages, one at a time.
  let index = 0;
  await walk(file, {
    item: async (item) => {
      index++;
      const label = item.fields['wp:post_name'] || item.fields.title || `item ${index}`;
      try {
        const post = toPost(item, attachments);
        if ('skip' in post) {
          report.count('other items', 'skipped');
          return;
        }
        await writer.post(post);
      } catch (err) {
        report.fail(item.fields['wp:post_type'] === 'page' ? 'pages' : 'posts', label.slice(0, 120), (err as Error).message);
      }
    },
  });
  if (report.counts.comments?.created) report.notes.push('Quire threads comments one level deep: a reply to a reply is shown under its top-level comment.');
  return report;
}
