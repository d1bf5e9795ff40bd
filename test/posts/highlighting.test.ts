// Code that reads like code: fenced blocks are highlighted on the server and reach the published page with
// highlight.js classes only; excerpts skip code and tables; the theme passes WCAG AA in light and dark.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { publicDir } from '../../src/paths.js';
import { Post } from '../../src/posts/post.model.js';
import { testApp } from '../support/app.js';
import { makeUser } from '../support/factories.js';
import { sessionFor, type TestSession } from '../support/session.js';

const { app, config } = testApp();
let s: TestSession;

beforeAll(async () => {
  s = sessionFor(await makeUser({ role: 'author' }), config);
});

async function publish(title: string, body: string) {
  const res = await request(app).post('/posts').set('Cookie', s.cookie).type('form').send({ _csrf: s.csrf, intent: 'publish', title, body });
  expect(res.status).toBe(303);
  return (await Post.findOne({ title }).lean())!;
}

describe('highlighting on the published page', () => {
  it('colours a known language with hljs spans and leaves an unknown one as escaped text', async () => {
    const body = 'Intro.\n\n```ts\nconst greeting: string = "hi <there>"; // say it\n```\n\n```klingon\nqaStaH <nuq>\n```\n';
    const post = await publish('Highlighted code', body);
    const page = await request(app).get(`/posts/${post.slug}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('<code class="hljs language-ts"><span class="hljs-keyword">const</span>');
    expect(page.text).toContain('<span class="hljs-string">"hi &lt;there&gt;"</span>');
    expect(page.text).toContain('<span class="hljs-comment">// say it</span>');
    // Unknown language: no spans, escaped, still a code block.
    expect(page.text).toMatch(/<code class="hljs language-klingon">qaStaH &lt;nuq&gt;\n<\/code>/);
    expect(page.text).toContain('/public/css/highlight.css?v=');
  });

  it('keeps only hljs-* classes on spans: an author cannot smuggle other classes, styles or handlers', async () => {
    const post = await publish('Span smuggling', 'A <span class="hljs-keyword btn btn-danger position-fixed" style="top:0" onclick="alert(1)" id="x">word</span> <code class="hljs evil language-js">x</code>');
    expect(post.bodyHtml).toContain('<span class="hljs-keyword">word</span>');
    expect(post.bodyHtml).toContain('<code class="hljs language-js">x</code>');
    expect(post.bodyHtml).not.toMatch(/btn|position-fixed|style=|onclick|id="x"|evil/);
  });
});

describe('excerpts skip code blocks and tables', () => {
  it('builds the automatic excerpt from the prose around them', async () => {
    const body = '```js\nconst secret = 1;\n```\n\n| Name | Price |\n|---|---|\n| Tea | 3 |\n\nThe real opening sentence.\n\n<table><tr><td><table><tr><td>nested</td></tr></table>cell</td></tr></table>\n\nAnd the second one.';
    const post = await publish('Excerpt without code', body);
    expect(post.excerpt).toBe('The real opening sentence. And the second one.');
    // Search still finds words in code: the full text keeps them.
    expect(post.bodyText).toContain('const secret = 1;');
    const home = await request(app).get('/');
    expect(home.text).toContain('The real opening sentence.');
    expect(home.text).not.toContain('const secret');
  });
});

// WCAG 2.x relative luminance and contrast ratio.
function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255).map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
}
function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
}

describe('the highlight theme', () => {
  const css = readFileSync(join(publicDir, 'css', 'highlight.css'), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '');
  const rules = [...css.matchAll(/([^{}]+)\{([^}]*)\}/g)].map((m) => ({ selectors: m[1]!.split(',').map((x) => x.trim()), body: m[2]! }));
  const modes = ['light', 'dark'] as const;
  const inMode = (mode: (typeof modes)[number]) => rules.filter((r) => r.selectors.every((sel) => sel.startsWith('[data-bs-theme=dark]') === (mode === 'dark')));

  it.each(modes)('passes AA (4.5:1) for every token colour against the code background in %s mode', (mode) => {
    const own = inMode(mode);
    const background = own.map((r) => /background:\s*(#[0-9a-f]{6})/i.exec(r.body)?.[1]).find(Boolean);
    expect(background).toBeDefined();
    const colours = own.flatMap((r) => [...r.body.matchAll(/(?:^|[;\s])color:\s*(#[0-9a-f]{6})/gi)].map((m) => m[1]!));
    expect(colours.length).toBeGreaterThan(6);
    for (const colour of colours) expect(contrast(colour, background!), `${colour} on ${background}`).toBeGreaterThanOrEqual(4.5);
  });

  it('gives every light token class a dark colour too (no light colour left on the dark background)', () => {
    const tokens = (mode: (typeof modes)[number]) =>
      new Set(inMode(mode).filter((r) => /(?:^|[;\s])color:/.test(r.body)).flatMap((r) => r.selectors.map((sel) => sel.replace('[data-bs-theme=dark] ', ''))).filter((sel) => sel.startsWith('.hljs-')));
    expect([...tokens('dark')].sort()).toEqual([...tokens('light')].sort());
  });
});
