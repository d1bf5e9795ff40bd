// Ghost stores a post body as Lexical (Ghost 5+) or Mobiledoc (Ghost 1-4) JSON, with rendered `html`
// beside it in most exports. These walk the JSON trees and write HTML (every text and attribute escaped
// here; the result still goes through HTML -> Markdown -> the post sanitiser like any imported body).
// Unknown nodes and cards are left out rather than guessed at.
import { escapeHtml } from '../http/templates.js';
import { renderMarkdown } from '../posts/markdown.js';

type Json = Record<string, unknown>;
const MAX_DEPTH = 50;

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const attr = (v: unknown): string => escapeHtml(str(v));

function card(type: string, node: Json): string {
  switch (type) {
    case 'image': {
      const caption = str(node.caption);
      const img = `<img src="${attr(node.src)}" alt="${attr(node.alt)}">`;
      return caption ? `<p>${img}</p><p><em>${escapeHtml(caption.replace(/<[^>]*>/g, ''))}</em></p>` : `<p>${img}</p>`;
    }
    case 'code':
    case 'codeblock': {
      const language = str(node.language).replace(/[^\w+-]/g, '');
      return `<pre><code${language ? ` class="language-${language}"` : ''}>${escapeHtml(str(node.code))}</code></pre>`;
    }
    case 'markdown':
      return renderMarkdown(str(node.markdown));
    case 'html':
      return str(node.html);
    case 'hr':
    case 'horizontalrule':
      return '<hr>';
    default:
      return '';
  }
}

// Lexical text formats are bit flags.
const FORMATS: [number, string][] = [
  [16, 'code'],
  [1, 'strong'],
  [2, 'em'],
  [4, 'del'],
];

function lexicalNode(node: Json, depth: number): string {
  if (depth > MAX_DEPTH) throw new Error('the Lexical body is nested too deeply');
  const children = () => (Array.isArray(node.children) ? (node.children as Json[]).map((c) => lexicalNode(c, depth + 1)).join('') : '');
  const type = str(node.type);
  switch (type) {
    case 'root':
      return children();
    case 'paragraph':
      return `<p>${children()}</p>`;
    case 'heading': {
      const tag = /^h[1-6]$/.test(str(node.tag)) ? str(node.tag) : 'h2';
      return `<${tag}>${children()}</${tag}>`;
    }
    case 'list': {
      const tag = node.listType === 'number' || node.tag === 'ol' ? 'ol' : 'ul';
      return `<${tag}>${children()}</${tag}>`;
    }
    case 'listitem':
      return `<li>${children()}</li>`;
    case 'quote':
    case 'aside':
      return `<blockquote>${children()}</blockquote>`;
    case 'code':
      return `<pre><code>${escapeHtml(codeText(node))}</code></pre>`;
    case 'link':
    case 'autolink':
      return `<a href="${attr(node.url)}">${children()}</a>`;
    case 'linebreak':
      return '<br>';
    case 'text':
    case 'extended-text':
    case 'code-highlight': {
      let html = escapeHtml(str(node.text));
      const format = typeof node.format === 'number' ? node.format : 0;
      for (const [bit, tag] of FORMATS) if (format & bit) html = `<${tag}>${html}</${tag}>`;
      return html;
    }
    default:
      return card(type, node);
  }
}

function codeText(node: Json): string {
  if (!Array.isArray(node.children)) return str(node.text);
  return (node.children as Json[]).map((c) => (c.type === 'linebreak' ? '\n' : str(c.text))).join('');
}

export function lexicalToHtml(source: string): string {
  const doc = JSON.parse(source) as Json;
  if (!doc || typeof doc.root !== 'object') throw new Error('the Lexical body has no root');
  return lexicalNode(doc.root as Json, 0);
}

type Marker = [number, number[], number, unknown];

export function mobiledocToHtml(source: string): string {
  const doc = JSON.parse(source) as { markups?: [string, string[]?][]; cards?: [string, Json][]; atoms?: [string, string, Json][]; sections?: unknown[][] };
  const markups = doc.markups ?? [];
  const cards = doc.cards ?? [];
  const atoms = doc.atoms ?? [];
  const markers = (list: Marker[]): string => {
    let html = '';
    const open: string[] = [];
    for (const [kind, opens, closes, value] of list) {
      for (const index of opens ?? []) {
        const [tag, attrs = []] = markups[index] ?? ['span'];
        const safeTag = /^(a|b|strong|i|em|code|s|del|u|sub|sup)$/i.test(tag) ? tag.toLowerCase() : 'span';
        let attributes = '';
        for (let i = 0; i + 1 < attrs.length; i += 2) if (attrs[i] === 'href') attributes += ` href="${attr(attrs[i + 1])}"`;
        html += `<${safeTag}${attributes}>`;
        open.push(safeTag);
      }
      html += kind === 1 ? escapeHtml(str(atoms[value as number]?.[1])) : escapeHtml(str(value));
      for (let i = 0; i < closes && open.length; i++) html += `</${open.pop()}>`;
    }
    while (open.length) html += `</${open.pop()}>`;
    return html;
  };
  return (doc.sections ?? [])
    .map((section) => {
      const [type] = section as [number];
      if (type === 1) {
        const tag = String(section[1]).toLowerCase();
        const safe = /^(p|h[1-6]|blockquote)$/.test(tag) ? tag : tag === 'aside' ? 'blockquote' : 'p';
        return `<${safe}>${markers(section[2] as Marker[])}</${safe}>`;
      }
      if (type === 3) {
        const tag = section[1] === 'ol' ? 'ol' : 'ul';
        return `<${tag}>${(section[2] as Marker[][]).map((item) => `<li>${markers(item)}</li>`).join('')}</${tag}>`;
      }
      if (type === 2) return `<p><img src="${attr(section[1])}" alt=""></p>`;
      if (type === 10) {
        const [name, payload] = cards[section[1] as number] ?? ['', {}];
        return card(name, payload ?? {});
      }
      return '';
    })
    .join('\n');
}
