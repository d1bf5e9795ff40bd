// Imported HTML bodies become Markdown (what Quire's editor keeps) with turndown; the Markdown then goes
// through the same rendering and sanitiser as every post body (posts/markdown.ts) when it is saved, so
// nothing in an imported body reaches a page that an author could not have written. Scripts, styles and
// frames are dropped here already, so their text does not turn into paragraphs.
import TurndownService from 'turndown';

const turndown = new TurndownService({
  headingStyle: 'atx',
  codeBlockStyle: 'fenced',
  bulletListMarker: '-',
  emDelimiter: '*',
});
// Text that reads like markup ("a <tag>", "&copy;") would be taken for HTML by the Markdown renderer and
// dropped or changed by the sanitiser; as entities it stays the text it was. (Code keeps its own text.)
const escapeMarkdown = turndown.escape.bind(turndown);
turndown.escape = (text: string) => escapeMarkdown(text).replace(/&/g, '&amp;').replace(/</g, '&lt;');
turndown.remove(['script', 'style', 'iframe', 'object', 'embed', 'noscript', 'template', 'form', 'textarea', 'select', 'button']);
// <pre><code class="language-js"> keeps its language on the fence.
turndown.addRule('fencedWithLanguage', {
  filter: (node) => node.nodeName === 'PRE' && node.firstChild?.nodeName === 'CODE',
  replacement: (_content, node) => {
    const code = node.firstChild as unknown as { getAttribute(name: string): string | null; textContent: string | null };
    const language = /language-([\w+-]+)/.exec(code.getAttribute('class') ?? '')?.[1] ?? '';
    const text = code.textContent ?? '';
    const fence = text.includes('```') ? '~~~' : '```';
    return `\n\n${fence}${language}\n${text.replace(/\n$/, '')}\n${fence}\n\n`;
  },
});

/** WordPress writes paragraphs as blank-line-separated text (wpautop happens on display): make them <p>s. */
export function autoParagraphs(html: string): string {
  if (/<p[\s>]/i.test(html)) return html;
  return html
    .split(/\n\s*\n/)
    .map((block) => block.trim())
    .filter(Boolean)
    .map((block) => (/^<(?:h[1-6]|ul|ol|blockquote|pre|table|figure|div|hr|!--)/i.test(block) ? block : `<p>${block.replace(/\n/g, '<br>\n')}</p>`))
    .join('\n');
}

export function htmlToMarkdown(html: string): string {
  return turndown.turndown(html).trim();
}
