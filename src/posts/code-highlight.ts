// Syntax highlighting of fenced code blocks, done once on the server when a body is rendered (no client
// script, so it works under the strict CSP and costs readers nothing). Only a set of common languages is
// registered: highlight.js with all of its ~190 grammars would add megabytes and start-up time for
// languages a blog almost never shows. A block in any other language (or none) stays plain, escaped text.
import hljs from 'highlight.js/lib/core';
import bash from 'highlight.js/lib/languages/bash';
import c from 'highlight.js/lib/languages/c';
import cpp from 'highlight.js/lib/languages/cpp';
import csharp from 'highlight.js/lib/languages/csharp';
import css from 'highlight.js/lib/languages/css';
import diff from 'highlight.js/lib/languages/diff';
import dockerfile from 'highlight.js/lib/languages/dockerfile';
import go from 'highlight.js/lib/languages/go';
import ini from 'highlight.js/lib/languages/ini';
import java from 'highlight.js/lib/languages/java';
import javascript from 'highlight.js/lib/languages/javascript';
import json from 'highlight.js/lib/languages/json';
import kotlin from 'highlight.js/lib/languages/kotlin';
import markdown from 'highlight.js/lib/languages/markdown';
import php from 'highlight.js/lib/languages/php';
import python from 'highlight.js/lib/languages/python';
import ruby from 'highlight.js/lib/languages/ruby';
import rust from 'highlight.js/lib/languages/rust';
import shell from 'highlight.js/lib/languages/shell';
import sql from 'highlight.js/lib/languages/sql';
import swift from 'highlight.js/lib/languages/swift';
import typescript from 'highlight.js/lib/languages/typescript';
import xml from 'highlight.js/lib/languages/xml';
import yaml from 'highlight.js/lib/languages/yaml';
import { markedHighlight } from 'marked-highlight';

const LANGUAGES = { bash, c, cpp, csharp, css, diff, dockerfile, go, ini, java, javascript, json, kotlin, markdown, php, python, ruby, rust, shell, sql, swift, typescript, xml, yaml };
for (const [name, grammar] of Object.entries(LANGUAGES)) hljs.registerLanguage(name, grammar);

/** The fence names that get colours (aliases included: js, ts, py, sh, html, yml...). */
export function isHighlighted(language: string): boolean {
  return Boolean(language) && hljs.getLanguage(language) !== undefined;
}

/**
 * The marked extension: known languages become `<span class="hljs-…">` runs; anything else is returned
 * as is and escaped by marked-highlight. `ignoreIllegals` so that odd input never throws mid-render.
 */
export const codeHighlighting = markedHighlight({
  langPrefix: 'hljs language-',
  highlight(code, language) {
    return isHighlighted(language) ? hljs.highlight(code, { language, ignoreIllegals: true }).value : code;
  },
});
