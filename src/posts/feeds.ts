// The machine-readable views of the blog: the RSS 2.0 feed, the sitemap and robots.txt. Every URL in them is
// absolute (from SITE_URL), and every text is XML-escaped, so a title like `Q&A <draft>` stays well-formed.
import mongoose from 'mongoose';
import sanitizeHtml from 'sanitize-html';
import type { SiteSettings } from '../site/settings.service.js';
import { User } from '../users/user.model.js';
import { POST_HTML_ALLOWLIST } from './markdown.js';
import type { PostDoc } from './post.model.js';
import { publicPostsByIds, readModel } from './read-model-choice.js';
import { authorsByIds } from './post-views.js';
import { tagRefs } from './tags.js';

export const FEED_SIZE = 20;
const SITEMAP_LIMIT = 50_000;

// Characters XML 1.0 does not allow at all (control characters other than tab, newline, carriage return).
// eslint-disable-next-line no-control-regex
const NOT_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g;
const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

export function escapeXml(text: string): string {
  return text.replace(NOT_XML, '').replace(/[&<>"']/g, (c) => XML_ESCAPES[c]!);
}

/** Site-relative links and images in post HTML made absolute, for feed readers. */
function absolutize(html: string, siteUrl: string): string {
  return html.replace(/\b(href|src)="\/(?!\/)/g, `$1="${siteUrl}/`);
}

/**
 * Post HTML as feed readers get it: site-relative URLs made absolute, and every image from a host other
 * than this site (or its media store) turned into a plain link. A feed has no Content-Security-Policy: a
 * remote <img> would be fetched by every subscriber's reader, telling a third party (a tracking pixel's
 * owner) who reads the post, when and from where. A link is fetched only if the reader follows it.
 * The HTML was sanitized when the post was saved; this pass keeps to the same allowlist (nothing a body
 * stored before a rule existed could carry gets into a feed) and rewrites images.
 */
export function feedBodyHtml(html: string, siteUrl: string, trustedOrigins: readonly string[] = []): string {
  const own = new Set([originOf(siteUrl), ...trustedOrigins.map(originOf)].filter(Boolean));
  return sanitizeHtml(absolutize(html, siteUrl), {
    ...POST_HTML_ALLOWLIST,
    // The save-time filter drops images without a src; here it would also drop the links made from them
    // (sanitize-html shows it the image's transformed attributes).
    exclusiveFilter: undefined,
    transformTags: {
      ...POST_HTML_ALLOWLIST.transformTags,
      img: (_tag, attribs) => {
        const src = attribs.src ?? '';
        if (own.has(originOf(src))) return { tagName: 'img', attribs };
        return { tagName: 'a', attribs: { href: src, rel: 'nofollow noopener noreferrer' }, text: `[Image: ${attribs.alt || src}]` };
      },
    },
  });
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '';
  }
}

/**
 * `mediaOrigins`: where uploads are served from when that is not SITE_URL (an S3 bucket or CDN), so their
 * images stay images.
 */
export async function renderFeed(siteUrl: string, site: SiteSettings, now = new Date(), mediaOrigins: readonly string[] = []): Promise<string> {
  type FeedPost = Pick<PostDoc, '_id' | 'title' | 'slug' | 'excerpt' | 'bodyHtml' | 'author' | 'tags' | 'status' | 'publishedAt'>;
  const posts = await publicPostsByIds<FeedPost>((await readModel().page({ kind: 'all' }, 1, FEED_SIZE, now))!.ids, 'title slug excerpt bodyHtml author tags', now);
  const [authors, tags] = await Promise.all([authorsByIds(posts.map((p) => p.author)), tagRefs(posts.flatMap((p) => p.tags))]);
  const items = posts.map((p) => {
    const link = `${siteUrl}/posts/${p.slug}`;
    const categories = p.tags.map((t) => `      <category>${escapeXml(tags.get(t)?.name ?? t)}</category>`).join('\n');
    return [
      '    <item>',
      `      <title>${escapeXml(p.title)}</title>`,
      `      <link>${escapeXml(link)}</link>`,
      `      <guid isPermaLink="false">quire-post-${String(p._id)}</guid>`,
      `      <pubDate>${p.publishedAt!.toUTCString()}</pubDate>`,
      `      <dc:creator>${escapeXml(authors.get(String(p.author))?.displayName ?? '')}</dc:creator>`,
      ...(categories ? [categories] : []),
      `      <description>${escapeXml(p.excerpt)}</description>`,
      `      <content:encoded>${escapeXml(feedBodyHtml(p.bodyHtml, siteUrl, mediaOrigins))}</content:encoded>`,
      '    </item>',
    ].join('\n');
  });
  const lastBuild = posts[0]?.publishedAt ?? now;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:content="http://purl.org/rss/1.0/modules/content/">',
    '  <channel>',
    `    <title>${escapeXml(site.title)}</title>`,
    `    <link>${escapeXml(`${siteUrl}/`)}</link>`,
    `    <description>${escapeXml(site.description || site.tagline || site.title)}</description>`,
    '    <language>en</language>',
    `    <lastBuildDate>${lastBuild.toUTCString()}</lastBuildDate>`,
    `    <atom:link href="${escapeXml(`${siteUrl}/feed.xml`)}" rel="self" type="application/rss+xml"/>`,
    ...items,
    '  </channel>',
    '</rss>',
    '',
  ].join('\n');
}

/** A page the sitemap lists beside the posts: its path and last change. */
export interface SitemapPage {
  path: string;
  updatedAt: Date;
}

// The static pages domain sits above posts (its pages are written in posts' Markdown): it provides its
// published pages here (src/wiring.ts) instead of posts importing it.
let otherPages: () => Promise<SitemapPage[]> = async () => [];

export function provideSitemapPages(pages: () => Promise<SitemapPage[]>): void {
  otherPages = pages;
}

export async function renderSitemap(siteUrl: string, now = new Date()): Promise<string> {
  const [posts, pages] = await Promise.all([readModel().sitemap(SITEMAP_LIMIT, now), otherPages()]);
  const tagSlugs = [...new Set(posts.flatMap((p) => p.tags))];
  const authorIds = [...new Set(posts.map((p) => p.author))];
  const authors = authorIds.length
    ? await User.find({ _id: mongoose.trusted({ $in: authorIds }) }, 'username').sort({ username: 1 }).lean()
    : [];
  const lastChange = posts.length ? new Date(Math.max(...posts.map((p) => p.updatedAt))) : undefined;
  const url = (path: string, lastmod?: Date) =>
    `  <url><loc>${escapeXml(siteUrl + path)}</loc>${lastmod ? `<lastmod>${lastmod.toISOString()}</lastmod>` : ''}</url>`;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
    url('/', lastChange),
    ...posts.map((p) => url(`/posts/${p.slug}`, new Date(p.updatedAt))),
    // Static pages belong in the sitemap (not in the feed or the post lists); so do the tag and author indexes.
    ...pages.map((p) => url(p.path, p.updatedAt)),
    url('/tags'),
    url('/authors'),
    ...tagSlugs.sort().map((slug) => url(`/tags/${encodeURIComponent(slug)}`)),
    ...authors.map((a) => url(`/authors/${encodeURIComponent(a.username)}`)),
    '</urlset>',
    '',
  ].join('\n');
}

export function renderRobots(siteUrl: string): string {
  return [
    'User-agent: *',
    'Allow: /',
    'Disallow: /admin',
    'Disallow: /dashboard',
    'Disallow: /account',
    'Disallow: /media',
    'Disallow: /posts/*/edit',
    'Disallow: /posts/*/delete',
    'Disallow: /posts/new',
    '',
    `Sitemap: ${siteUrl}/sitemap.xml`,
    '',
  ].join('\n');
}
