// Comment text to HTML. Comments are plain text from anyone with an account, so the rule is simple and
// strict: every character is HTML-escaped, and the only markup ever produced is <p>, <br> and <a> around an
// absolute http(s) URL that the URL parser accepts. Nothing the commenter typed becomes a tag or an
// attribute of its own: `<script>`, `<a href="javascript:...">`, `javascript:` and `data:` all stay text.
import { createHash } from 'node:crypto';
import { escapeHtml } from '../http/templates.js';

// A candidate link: http:// or https:// at a word boundary, up to whitespace or a character that cannot
// be part of a URL written in text (quotes and angle brackets end it, so `"onmouseover=` stays outside).
const URL_CANDIDATE = /\bhttps?:\/\/[^\s<>"'`]+/gi;
const TRAILING_PUNCTUATION = /[.,;:!?*_~]$/;

/** The URL without punctuation that ends the sentence around it ("see https://x.org/a." -> "https://x.org/a"). */
function trimUrl(candidate: string): string {
  let url = candidate;
  for (;;) {
    if (TRAILING_PUNCTUATION.test(url)) {
      url = url.slice(0, -1);
    } else if (url.endsWith(')') && count(url, '(') < count(url, ')')) {
      // "(see https://x.org/a)" ends at the link; "https://en.wikipedia.org/wiki/A_(b)" keeps its own.
      url = url.slice(0, -1);
    } else {
      return url;
    }
  }
}

function count(text: string, char: string): number {
  return text.split(char).length - 1;
}

/** The normalized absolute href for a link, or null when it is not a usable http(s) URL. */
function safeHref(text: string): string | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return null;
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !url.hostname) return null;
  return url.href;
}

function linkifyLine(line: string): string {
  let html = '';
  let last = 0;
  for (const match of line.matchAll(URL_CANDIDATE)) {
    const url = trimUrl(match[0]);
    const href = safeHref(url);
    if (!href) continue;
    const start = match.index;
    html += escapeHtml(line.slice(last, start));
    html += `<a href="${escapeHtml(href)}" rel="nofollow ugc noopener">${escapeHtml(url)}</a>`;
    last = start + url.length;
  }
  return html + escapeHtml(line.slice(last));
}

/** Line endings as \n and no surrounding whitespace: how a comment body is stored. */
export function normalizeBody(text: string): string {
  return text.replace(/\r\n?/g, '\n').trim();
}

/** The HTML pages show for a comment: paragraphs at blank lines, <br> at single line breaks, links. */
export function renderCommentBody(text: string): string {
  return normalizeBody(text)
    .split(/\n[ \t]*\n\s*/)
    .map((paragraph) => `<p>${paragraph.split('\n').map(linkifyLine).join('<br>\n')}</p>`)
    .join('\n');
}

/** The same text however it is spaced or capitalized has the same fingerprint. */
export function fingerprintOf(text: string): string {
  const normalized = text.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
  return createHash('sha256').update(normalized).digest('hex');
}

/** The first `max` characters of the text on one line, for lists and the audit log. */
export function excerptOf(text: string, max = 80): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
