// Markdown to safe HTML, and what is derived from a body at save time (plain text, excerpt, reading time,
// the media it shows). Post bodies are written by authors but read by everyone, so the HTML is rendered
// once when a post is saved and passed through an explicit allowlist: raw HTML inside the Markdown goes
// through the same pass, and no script, event handler, style or javascript:/data: URL survives it.
import { Marked } from 'marked';
import sanitizeHtml from 'sanitize-html';
import { libraryKeysIn, withLibraryImage, type LibraryImages } from './body-images.js';
import { codeHighlighting } from './code-highlight.js';

const marked = new Marked({ gfm: true, breaks: false, async: false }, codeHighlighting);

const IMG_SRC = /^(?:https?:\/\/[^\s/]+|\/uploads\/)[^\s]*$/i;
const ABSOLUTE_HTTP = /^https?:\/\//i;

/** The allowlist every post body passes at save time (and the feed's rewrite keeps to). */
export const POST_HTML_ALLOWLIST: sanitizeHtml.IOptions = {
  allowedTags: [
    'p', 'h2', 'h3', 'h4', 'h5', 'h6', 'a', 'img', 'ul', 'ol', 'li', 'blockquote', 'code', 'pre', 'em', 'strong',
    'del', 'hr', 'br', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'span',
  ],
  allowedAttributes: {
    a: ['href', 'title', 'rel'],
    img: ['src', 'alt', 'title', 'width', 'height', 'loading'],
    ol: ['start'],
    th: [{ name: 'align', multiple: false, values: ['left', 'center', 'right'] }],
    td: [{ name: 'align', multiple: false, values: ['left', 'center', 'right'] }],
  },
  // Highlighting classes only (code-highlight.ts): a span keeps no other class and no attribute, so an
  // author's raw <span> can colour text like code does and nothing more.
  allowedClasses: { code: ['hljs', 'language-*'], span: ['hljs-*'] },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowedSchemesByTag: { img: ['http', 'https'] },
  allowedSchemesAppliedToAttributes: ['href', 'src'],
  // `//evil.example/x` would otherwise count as a relative URL.
  allowProtocolRelative: false,
  disallowedTagsMode: 'discard',
  nonTextTags: ['script', 'style', 'textarea', 'option', 'noscript', 'iframe', 'object', 'embed', 'template'],
  transformTags: {
    // The post title is the page's only h1.
    h1: 'h2',
    // Rebuilt from scratch so no author-supplied attribute (rel, target, on*) rides along.
    a: (_tag, attribs) => {
      const out: sanitizeHtml.Attributes = {};
      if (attribs.href !== undefined) out.href = attribs.href;
      if (attribs.title !== undefined) out.title = attribs.title;
      if (out.href && ABSOLUTE_HTTP.test(out.href.trim())) out.rel = 'noopener noreferrer nofollow';
      return { tagName: 'a', attribs: out };
    },
    // Images only from the web or this site's uploads; anything else loses its src and is dropped below.
    img: (_tag, attribs) => {
      const out: sanitizeHtml.Attributes = { loading: 'lazy' };
      const src = attribs.src?.trim();
      if (src && IMG_SRC.test(src)) out.src = src;
      for (const name of ['alt', 'title', 'width', 'height'] as const) {
        const value = attribs[name];
        if (value === undefined) continue;
        if ((name === 'width' || name === 'height') && !/^\d{1,5}$/.test(value)) continue;
        out[name] = value;
      }
      out.alt ??= '';
      return { tagName: 'img', attribs: out };
    },
  },
  exclusiveFilter: (frame) => frame.tag === 'img' && !frame.attribs.src,
};

/**
 * The allowlist with library images sized (body-images.ts): the renderer's own srcset and sizes are the
 * only ones kept, since the img transform rebuilds every image's attributes and copies neither.
 */
function withLibraryImages(images: LibraryImages): sanitizeHtml.IOptions {
  const img = POST_HTML_ALLOWLIST.transformTags!.img as sanitizeHtml.Transformer;
  return {
    ...POST_HTML_ALLOWLIST,
    allowedAttributes: { ...POST_HTML_ALLOWLIST.allowedAttributes, img: ['src', 'srcset', 'sizes', 'alt', 'title', 'width', 'height', 'loading'] },
    transformTags: {
      ...POST_HTML_ALLOWLIST.transformTags,
      img: (tag, attribs) => {
        const safe = img(tag, attribs);
        return { ...safe, attribs: withLibraryImage(safe.attribs, images) };
      },
    },
  };
}

/**
 * Renders Markdown (raw HTML included) to HTML that is safe to put in a page as is. `images`: the library
 * images it shows (looked up by libraryKeysIn), which get their size, srcset and sizes.
 */
export function renderMarkdown(markdown: string, images?: LibraryImages): string {
  const html = marked.parse(markdown) as string;
  return sanitizeHtml(html, images && images.size > 0 ? withLibraryImages(images) : POST_HTML_ALLOWLIST).trim();
}

const BLOCK_END = /<\/(?:p|h[1-6]|li|blockquote|pre|tr|th|td|table|ul|ol)>|<br\s*\/?>|<hr\s*\/?>/gi;
const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'", '&#x27;': "'", '&nbsp;': ' ' };

// Headings, list items and cells rarely end in punctuation; as running text (an excerpt) they would run
// into the next sentence ("What we checked The cover..."), so they get a full stop.
const UNPUNCTUATED_END = /([^\s.!?:;…>])(\s*<\/(?:h[1-6]|li|th|td)>)/gi;

/** The words of sanitized HTML, for search, excerpts and reading time. */
export function plainText(safeHtml: string): string {
  const spaced = safeHtml.replace(UNPUNCTUATED_END, '$1.$2').replace(BLOCK_END, (end) => `${end} `);
  const text = sanitizeHtml(spaced, { allowedTags: [], allowedAttributes: {} });
  return text.replace(/&(?:amp|lt|gt|quot|nbsp|#39|#x27);/g, (entity) => ENTITIES[entity] ?? entity).replace(/\s+/g, ' ').trim();
}

// Code and tables read badly as running text ("const x = 1; | Name | Price |"): excerpts skip them. The
// contents of these tags are dropped, not just the tags (nested tables included).
const NOT_PROSE = ['pre', 'table'];
const PROSE_ONLY: sanitizeHtml.IOptions = {
  allowedTags: (POST_HTML_ALLOWLIST.allowedTags as string[]).filter((t) => !NOT_PROSE.includes(t) && !['thead', 'tbody', 'tr', 'th', 'td'].includes(t)),
  allowedAttributes: {},
  disallowedTagsMode: 'discard',
  nonTextTags: [...NOT_PROSE, 'script', 'style', 'textarea', 'option', 'noscript'],
};

/** The words of sanitized HTML outside code blocks and tables: what excerpts and search snippets show. */
export function proseText(safeHtml: string): string {
  return plainText(sanitizeHtml(safeHtml, PROSE_ONLY));
}

/** About the first `max` characters of the text, cut at a word boundary. */
export function excerptOf(text: string, max = 200): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max + 1);
  const lastSpace = cut.lastIndexOf(' ');
  return `${(lastSpace > max * 0.6 ? cut.slice(0, lastSpace) : cut.slice(0, max)).replace(/[\s,.;:!?-]+$/, '')}…`;
}

const WORDS_PER_MINUTE = 230;

export function readingMinutes(text: string): number {
  const words = text ? text.split(/\s+/).filter(Boolean).length : 0;
  return Math.max(1, Math.ceil(words / WORDS_PER_MINUTE));
}

/**
 * Storage keys of the library images a body shows (so the media library can tell where an image is used),
 * from their URLs: `/uploads/media/<key>/...` or the media store's own address.
 */
export function mediaKeysIn(safeHtml: string): string[] {
  return libraryKeysIn(safeHtml);
}
