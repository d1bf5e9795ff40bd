// Compiled EJS templates, run without EJS's per-render glue.
//
// EJS compiles a template into a JavaScript function and, by default, runs it inside `with (locals)`, which
// makes every name the template reads a dynamic scope lookup, and copies all the locals and all its options
// for every `include`. On a list page (ten cards, each including the image partial) that glue cost more
// than the templates themselves. Here EJS still parses and compiles every template (same syntax, same
// escaping, same error messages with line numbers in development), but:
//
// - each template's locals are bound as plain variables (EJS's `destructuredLocals`): the names are read
//   from the template's own code once, at compile time, so templates keep reading `site` or `post` as
//   before. A name the caller did not pass reads as `undefined` (`typeof x !== 'undefined'` still works);
//   names of JavaScript globals (`Date`, `JSON`, `encodeURIComponent`...) are left to mean the global, so a
//   local must not be named like one;
// - `include(path, data)` renders the included template with the caller's locals plus `data` (one object
//   spread, instead of copying every local and every option) and resolves each path once;
// - `fragment(owner, path, data)` renders the template at `path` with `data` only (none of the page's
//   locals, so it cannot depend on who is looking) and keeps the HTML for as long as `owner` lives, once
//   per value of `data`'s other fields. Pages pass objects that are themselves kept until content changes
//   (the cards of public posts), so each card is rendered once per change, not once per page view. While a
//   page is rendered for the page cache, a fragment is a marker for the cache instead (page-parts.ts): the
//   cache copies its bytes and its compressed form, made once, into the page it sends.
//
// Templates compile once; with `watch` (development and tests) a template whose file changed recompiles.
import { readFileSync, statSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import ejs from 'ejs';
import { newPiece, type PageParts, type Piece } from './page-parts.js';

export type Locals = Record<string, unknown>;
export type Render = (locals: Locals) => string;
type Include = (path: string, data?: Locals) => string;
type ClientFunction = (locals: Locals, escapeFn: (value: unknown) => string, include: Include, rethrow?: unknown) => string;

interface Compiled {
  render: Render;
  mtimeMs: number;
  /** Distinguishes compilations of one file, so fragments of an edited template are rendered again. */
  version: number;
}

export type Fragment = (owner: object, path: string, data: Locals) => string;

const SPECIAL = /[&<>'"]/;
const SPECIAL_ALL = /[&<>'"]/g;
const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&#34;', "'": '&#39;' };

/** EJS's own escaping (the same five characters, the same entities), with a fast path for clean text. */
export function escapeHtml(value: unknown): string {
  if (value === undefined || value === null) return '';
  const text = String(value);
  return SPECIAL.test(text) ? text.replace(SPECIAL_ALL, (c) => ENTITIES[c]!) : text;
}

// Words that cannot be variable names, and the names EJS's generated function already has.
const RESERVED = new Set(
  (
    'break case catch class const continue debugger default delete do else enum export extends false finally for ' +
    'function if import in instanceof let new null return super switch this throw true try typeof var void while ' +
    'with yield await static implements interface package private protected public arguments eval ' +
    'of locals escapeFn include rethrow'
  ).split(' '),
);
const STRINGS = /"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'/g;
const TEMPLATE_LITERALS = /`(?:[^`\\]|\\.)*`/g;
const IDENTIFIERS = /(?<![\w$.])[A-Za-z_$][\w$]*/g;
const REDECLARED = /Identifier '([\w$]+)' has already been declared/;

/** The names a template's generated code reads that may be locals. */
export function freeNames(source: string): string[] {
  const code = source
    // Keep the expressions of template literals, drop their text.
    .replace(TEMPLATE_LITERALS, (literal) => (literal.match(/\$\{[^}]*\}/g) ?? []).map((e) => ` ${e.slice(2, -1)} `).join(' '))
    .replace(STRINGS, '""')
    .replace(/\.\.\./g, ' ');
  const names = new Set<string>();
  for (const [name] of code.matchAll(IDENTIFIERS)) {
    if (RESERVED.has(name) || name.startsWith('__') || name in globalThis) continue;
    names.add(name);
  }
  return [...names].sort();
}

export interface TemplateOptions {
  /** The views directory: includes starting with `/` are found from here. */
  root: string;
  /** Recompile a template when its file changes (development and tests). */
  watch: boolean;
}

export class Templates {
  private readonly compiled = new Map<string, Compiled>();
  /** Resolved include paths: by including file, then by the path it names (no key built per include). */
  private readonly paths = new Map<string, Map<string, string>>();
  private readonly fragments = new WeakMap<object, Map<string, Piece>>();
  private compilations = 0;

  constructor(private readonly options: TemplateOptions) {}

  /** The render function of the template in `file` (an absolute path). */
  get(file: string): Render {
    return this.current(file).render;
  }

  private current(file: string): Compiled {
    const known = this.compiled.get(file);
    if (known && (!this.options.watch || statSync(file).mtimeMs === known.mtimeMs)) return known;
    const compiled = this.compile(file);
    this.compiled.set(file, compiled);
    return compiled;
  }

  /** See `fragment` above; `path` is from the views root. */
  readonly fragment: Fragment = (owner, path, data) => this.piece(owner, path, data).html;

  /** `fragment` for a page rendered for the page cache: each fragment is a marker of `parts`. */
  fragmentInto(parts: PageParts): Fragment {
    return (owner, path, data) => parts.mark(this.piece(owner, path, data));
  }

  private piece(owner: object, path: string, data: Locals): Piece {
    if (!path.startsWith('/')) throw new Error(`fragment paths start from the views root: ${path}`);
    const template = this.current(this.resolve(this.options.root, path));
    let key = `${template.version}${path}`;
    for (const name in data) {
      const value = data[name];
      if (value === owner || typeof value === 'function') continue;
      if (value !== null && typeof value === 'object') throw new TypeError(`fragment ${path}: ${name} must be the owner, a primitive or a function`);
      key += `|${name}=${String(value)}`;
    }
    let kept = this.fragments.get(owner);
    if (!kept) this.fragments.set(owner, (kept = new Map()));
    let piece = kept.get(key);
    if (piece === undefined) {
      // Fragments inside a fragment are part of its HTML (plain `fragment`), whoever renders the page.
      piece = newPiece(template.render({ ...data, fragment: this.fragment }));
      kept.set(key, piece);
    }
    return piece;
  }

  private compile(file: string): Compiled {
    const mtimeMs = statSync(file).mtimeMs;
    const text = readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
    // legacyInclude is an EJS option its type declarations do not list: off, `<% include x %>` is not used.
    const base = {
      filename: file,
      root: this.options.root,
      client: true,
      _with: false,
      legacyInclude: false,
      escape: escapeHtml,
      compileDebug: this.options.watch,
    } as ejs.Options;
    const parsed = new ejs.Template(text, base) as ejs.Template & { generateSource(): void };
    parsed.generateSource();
    let names = freeNames(parsed.source);
    for (;;) {
      try {
        const fn = ejs.compile(text, { ...base, destructuredLocals: names }) as unknown as ClientFunction;
        const include: (locals: Locals) => Include = (locals) => (path, data) =>
          this.get(this.resolve(file, path))(data ? { ...locals, ...data } : locals);
        return { render: (locals) => fn(locals, escapeHtml, include(locals)), mtimeMs, version: ++this.compilations };
      } catch (err) {
        // A name the template declares itself (`const wide = ...`) is not a local: bind it no more.
        const declared = err instanceof SyntaxError ? REDECLARED.exec(err.message)?.[1] : undefined;
        if (!declared || !names.includes(declared)) throw err;
        names = names.filter((n) => n !== declared);
      }
    }
  }

  /** Where `include(path)` in `from` points: from the views root for `/...`, else from the including file. */
  private resolve(from: string, path: string): string {
    let known = this.paths.get(from);
    if (!known) this.paths.set(from, (known = new Map()));
    let found = known.get(path);
    if (!found) {
      const withExt = extname(path) ? path : `${path}.ejs`;
      found = withExt.startsWith('/') ? join(this.options.root, withExt) : resolve(dirname(from), withExt);
      known.set(path, found);
    }
    return found;
  }
}
