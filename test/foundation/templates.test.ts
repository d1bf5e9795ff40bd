import { mkdirSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ejs from 'ejs';
import { beforeEach, describe, expect, it } from 'vitest';
import { escapeHtml, freeNames, Templates } from '../../src/http/templates.js';

let root: string;

function write(path: string, text: string): string {
  const file = join(root, path);
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, text);
  return file;
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'quire-views-'));
});

describe('freeNames', () => {
  it('finds the names a template reads, not properties, strings, keywords, globals or EJS internals', () => {
    // Loop variables are found too: binding them from the locals as well is harmless (the loop's own wins).
    const source = `__append(escapeFn(post.title)); if (typeof title !== 'undefined' && title) { __append("a \\"quoted\\" word"); }
      for (const tag of post.tags) __append(\`\${tag.name} in \${site.title}\`); __append(JSON.stringify({ ...meta })); include('/x', { image });`;
    expect(freeNames(source)).toEqual(['image', 'meta', 'post', 'site', 'tag', 'title']);
  });
});

describe('Templates', () => {
  it('renders what EJS renders: escaped and raw output, the same entities', () => {
    const file = write('page.ejs', '<p title="<%= title %>"><%- raw %></p><%= missing ?? "none" %>');
    const render = new Templates({ root, watch: false }).get(file);
    const locals = { title: `Tom & "Jerry" <'b'>`, raw: '<b>bold</b>' };
    expect(render(locals)).toBe(ejs.render('<p title="<%= title %>"><%- raw %></p><%= locals.missing ?? "none" %>', locals));
    expect(escapeHtml(`&<>"'`)).toBe(ejs.escapeXML(`&<>"'`));
    expect(escapeHtml(null)).toBe('');
  });

  it('reads a local that was not passed as undefined, and leaves globals alone', () => {
    const file = write('page.ejs', '<%= typeof subtitle %>|<%= JSON.stringify({ n: Math.max(1, count) }) %>');
    expect(new Templates({ root, watch: false }).get(file)({ count: 3 })).toBe('undefined|{&#34;n&#34;:3}');
  });

  it('lets a template declare its own names', () => {
    const file = write('page.ejs', '<% const wide = featured && cover; %><%= wide ? "wide" : "narrow" %>');
    const templates = new Templates({ root, watch: false });
    expect(templates.get(file)({ featured: true, cover: 'c' })).toBe('wide');
    expect(templates.get(file)({ featured: false })).toBe('narrow');
  });

  it('includes from the views root and from the including file, with the caller’s locals plus the data given', () => {
    write('partials/name.ejs', '<%= site %>:<%= name %>');
    write('pages/sibling.ejs', '[<%= name %>]');
    const file = write('pages/page.ejs', `<%- include('/partials/name', { name: 'a' }) %> <%- include('sibling', { name: 'b' }) %> <%- include('./sibling') %>`);
    expect(new Templates({ root, watch: false }).get(file)({ site: 'S', name: 'top' })).toBe('S:a [b] [top]');
  });

  it('recompiles a changed template when watching, and not otherwise', () => {
    const file = write('page.ejs', 'one');
    const watched = new Templates({ root, watch: true });
    const cached = new Templates({ root, watch: false });
    expect(watched.get(file)({})).toBe('one');
    expect(cached.get(file)({})).toBe('one');
    writeFileSync(file, 'two');
    const later = new Date(Date.now() + 5000);
    utimesSync(file, later, later);
    expect(watched.get(file)({})).toBe('two');
    expect(cached.get(file)({})).toBe('one');
  });

  it('names the template and line of an error when watching', () => {
    const file = write('broken.ejs', 'fine\n<%= post.title %>');
    expect(() => new Templates({ root, watch: true }).get(file)({})).toThrow(/broken\.ejs:2/);
  });

  describe('fragment', () => {
    it('renders a template from its data alone, once per owner and data', () => {
      write('card.ejs', '<%= post.title %>/<%= wide %>/<%= typeof currentUser %>/<%= count() %>');
      const templates = new Templates({ root, watch: false });
      let calls = 0;
      const count = () => ++calls;
      const post = { title: 'First' };
      const page = write('page.ejs', `<%- fragment(post, '/card', { post, wide, count }) %>`);
      const render = templates.get(page);
      // The page's other locals (who is looking) never reach the fragment.
      expect(render({ post, wide: false, count, currentUser: { name: 'admin' }, fragment: templates.fragment })).toBe('First/false/undefined/1');
      expect(render({ post, wide: false, count, fragment: templates.fragment })).toBe('First/false/undefined/1');
      // Other data, another rendering; another owner, another rendering.
      expect(render({ post, wide: true, count, fragment: templates.fragment })).toBe('First/true/undefined/2');
      expect(render({ post: { title: 'Second' }, wide: true, count, fragment: templates.fragment })).toBe('Second/true/undefined/3');
    });

    it('renders again after the template changed (watching)', () => {
      const file = write('card.ejs', 'v1 <%= post.title %>');
      const templates = new Templates({ root, watch: true });
      const post = { title: 'T' };
      expect(templates.fragment(post, '/card', { post })).toBe('v1 T');
      writeFileSync(file, 'v2 <%= post.title %>');
      const later = new Date(Date.now() + 5000);
      utimesSync(file, later, later);
      expect(templates.fragment(post, '/card', { post })).toBe('v2 T');
    });

    it('refuses data it could not tell apart (objects other than the owner)', () => {
      write('card.ejs', '<%= post.title %>');
      const templates = new Templates({ root, watch: false });
      const post = { title: 'T' };
      expect(() => templates.fragment(post, '/card', { post, user: { id: 1 } })).toThrow(/user must be the owner/);
      expect(() => templates.fragment(post, 'card', { post })).toThrow(/views root/);
    });
  });
});
