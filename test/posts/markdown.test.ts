// Unit tests of what is derived from a body at save time, and of the small pure helpers.
import { describe, expect, it } from 'vitest';
import { escapeXml } from '../../src/posts/feeds.js';
import { excerptOf, mediaKeysIn, plainText, readingMinutes, renderMarkdown } from '../../src/posts/markdown.js';
import { literalPattern } from '../../src/db/literal-pattern.js';
import { firstFreeSlug, slugify } from '../../src/posts/slugs.js';
import { parseTagList } from '../../src/posts/tags.js';
import { assertWellFormedXml } from './xml.js';

/** Attributes and URLs that must never reach a page. */
const DANGEROUS = [/<script/i, /javascript:/i, /\son[a-z]+\s*=/i, /\sstyle\s*=/i, /data:/i, /<iframe/i, /<style/i, /<svg/i, /<object/i, /<form/i];

function expectSafe(html: string): void {
  for (const pattern of DANGEROUS) expect(html).not.toMatch(pattern);
}

describe('renderMarkdown', () => {
  it('renders Markdown to HTML, mapping h1 to h2 so the page keeps one h1', () => {
    const html = renderMarkdown('# Big\n\n## Section\n\nSome **bold** and *em* and ~~del~~.\n\n- a\n- b\n\n> quote\n\n---\n\n`code`');
    expect(html).toContain('<h2>Big</h2>');
    expect(html).toContain('<h2>Section</h2>');
    expect(html).not.toContain('<h1');
    for (const tag of ['<strong>bold</strong>', '<em>em</em>', '<del>del</del>', '<ul>', '<li>a</li>', '<blockquote>', '<hr />', '<code>code</code>']) expect(html).toContain(tag);
  });

  it.each([
    ['a script tag', 'Hi <script>alert(1)</script> there'],
    ['a javascript: Markdown link', '[x](javascript:alert(1))'],
    ['an upper-case, entity-obfuscated javascript: link', '[x](JaVaScRiPt:alert(1)) <a href="jav&#x09;ascript:alert(1)">y</a>'],
    ['a raw javascript: link', '<a href="javascript:alert(1)">x</a>'],
    ['a javascript: link with leading spaces', '<a href="   javascript:alert(1)">x</a>'],
    ['an onerror image', '<img src=x onerror=alert(1)>'],
    ['an onclick div', '<div onclick="alert(1)">click</div>'],
    ['a style attribute', '<p style="position:fixed;top:0">x</p>'],
    ['a style element', '<style>body{display:none}</style>ok'],
    ['a data: link and image', '[x](data:text/html;base64,PHNjcmlwdD4=) ![y](data:image/svg+xml;base64,PHN2Zz4=)'],
    ['an iframe and an svg with onload', '<iframe src="https://evil.example"></iframe><svg onload=alert(1)></svg>'],
    ['a form', '<form action="https://evil.example"><input name=x></form>'],
    ['an event handler on an allowed tag', '<a href="https://ok.example" onmouseover="alert(1)">x</a><img src="https://ok.example/a.png" onload="alert(1)">'],
  ])('removes %s', (_name, markdown) => {
    expectSafe(renderMarkdown(markdown));
  });

  it('keeps safe links, marks external ones, and rebuilds attributes', () => {
    const html = renderMarkdown('[ext](https://example.com/a) [int](/posts/b) [mail](mailto:a@example.com) <a href="/x" target="_blank" rel="opener">t</a>');
    expect(html).toContain('<a href="https://example.com/a" rel="noopener noreferrer nofollow">ext</a>');
    expect(html).toContain('<a href="/posts/b">int</a>');
    expect(html).toContain('<a href="mailto:a@example.com">mail</a>');
    expect(html).toContain('<a href="/x">t</a>');
    expect(html).not.toContain('target=');
  });

  it('keeps images from the web or /uploads/ only, lazy-loaded, and drops protocol-relative ones', () => {
    const html = renderMarkdown(
      '![a](/uploads/media/0123456789abcdef01234567/640.webp) ![b](https://cdn.example/b.png) ![c](//evil.example/c.png) ![d](/etc/passwd) ![e](ftp://x/e.png)',
    );
    expect(html).toContain('src="/uploads/media/0123456789abcdef01234567/640.webp"');
    expect(html).toContain('src="https://cdn.example/b.png"');
    expect(html).toContain('loading="lazy"');
    expect(html).not.toContain('evil.example');
    expect(html).not.toContain('/etc/passwd');
    expect(html).not.toContain('ftp:');
  });

  it('keeps tables, code blocks with a language class, and escapes code', () => {
    const html = renderMarkdown('```js\nif (a < b) alert("x")\n```\n\n| a | b |\n|:-|-:|\n| 1 | 2 |');
    expect(html).toContain('<code class="hljs language-js"><span class="hljs-keyword">if</span> (a &lt; b) <span class="hljs-title">alert</span>(<span class="hljs-string">"x"</span>)');
    expect(html).toContain('<th align="left">a</th>');
    expect(html).toContain('<td align="right">2</td>');
  });
});

describe('what a save derives from the body', () => {
  it('plain text decodes entities and separates blocks', () => {
    expect(plainText(renderMarkdown('# Q&A\n\nFish & "chips" <3\n\n- one\n- two'))).toBe('Q&A. Fish & "chips" <3 one. two.');
  });

  it('ends headings and list items with a full stop so an excerpt reads as sentences', () => {
    expect(plainText(renderMarkdown('## What we checked\n\nThe cover came first.\n\n- fast?\n- safe'))).toBe(
      'What we checked. The cover came first. fast? safe.',
    );
  });

  it('excerpts cut at a word boundary with an ellipsis', () => {
    const text = 'word '.repeat(100).trim();
    const excerpt = excerptOf(text, 50);
    expect(excerpt.length).toBeLessThanOrEqual(51);
    expect(excerpt.endsWith('word…')).toBe(true);
    expect(excerptOf('short text', 50)).toBe('short text');
  });

  it('reading time is words / 230 rounded up, at least 1', () => {
    expect(readingMinutes('')).toBe(1);
    expect(readingMinutes('word '.repeat(230))).toBe(1);
    expect(readingMinutes('word '.repeat(231))).toBe(2);
    expect(readingMinutes('word '.repeat(1150))).toBe(5);
  });

  it('finds the library images a body shows, by their storage keys', () => {
    const a = '0123456789abcdef0123456789abcdef';
    const c = 'abcdefabcdefabcdefabcdefabcdefab';
    const html = renderMarkdown(`![a](/uploads/media/${a}/640.webp) ![b](/uploads/media/${a.toUpperCase()}/1280.webp) ![c](/uploads/media/${c}/320.webp) ![old](/uploads/media/0123456789abcdef01234567/320.webp)`);
    expect(mediaKeysIn(html)).toEqual([a, c]);
  });
});

describe('slugs and tags', () => {
  it('makes lower-case ASCII slugs, stripping diacritics', () => {
    expect(slugify('Crème Brûlée: a How-To!')).toBe('creme-brulee-a-how-to');
    expect(slugify('  Q&A -- 2026  ')).toBe('q-and-a-2026');
    expect(slugify('日本語')).toBe('');
    expect(slugify('a'.repeat(150)).length).toBeLessThanOrEqual(100);
  });

  it('appends -2, -3... on collision and avoids reserved slugs', () => {
    expect(firstFreeSlug('hello', new Set())).toBe('hello');
    expect(firstFreeSlug('hello', new Set(['hello', 'hello-2']))).toBe('hello-3');
    expect(firstFreeSlug('new', new Set())).toBe('new-2');
  });

  it('parses comma-separated tags, keeping the first spelling of each slug', () => {
    expect(parseTagList(' Node.js, web,,Web , Crème ')).toEqual([
      { slug: 'node-js', name: 'Node.js' },
      { slug: 'web', name: 'web' },
      { slug: 'creme', name: 'Crème' },
    ]);
  });
});

describe('escaping', () => {
  it('escapes every regular-expression metacharacter', () => {
    for (const q of ['.*', '(', '[a-z]+', 'a|b', '^$', '\\', '{2}', '?', 'c++', '/x/']) {
      const re = literalPattern(q);
      expect(re.test(q)).toBe(true);
      expect(re.source).not.toBe(q);
    }
    expect(literalPattern('.*').test('anything')).toBe(false);
    expect(literalPattern('QuIrE').test('quire')).toBe(true);
  });

  it('escapes XML so any title stays well-formed', () => {
    const title = `Tom & Jerry's <"best"> \u0001 ]]>`;
    const xml = `<item><title>${escapeXml(title)}</title></item>`;
    expect(escapeXml(title)).toBe('Tom &amp; Jerry&apos;s &lt;&quot;best&quot;&gt;  ]]&gt;');
    expect(() => assertWellFormedXml(xml)).not.toThrow();
    expect(() => assertWellFormedXml(`<item><title>${title}</title></item>`)).toThrow();
  });
});
