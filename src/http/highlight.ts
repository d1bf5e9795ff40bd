// Search terms marked in text for display: the text is HTML-escaped piece by piece and only the matches
// are wrapped in <mark>, so nothing from the text or the query is ever read as markup.
// The templates' own escaping (EJS's five characters and entities), so a highlighted title escapes as the
// same title does elsewhere on the page.
import { escapeHtml } from './templates.js';

/**
 * `text` as safe HTML with every case-insensitive occurrence of `term` in <mark>. Where lower-casing
 * changes the length of the text (a few Unicode letters), positions would not line up: escaped only.
 */
export function highlight(text: string, term: string): string {
  const needle = term.trim().toLowerCase();
  const haystack = text.toLowerCase();
  if (!needle || haystack.length !== text.length) return escapeHtml(text);
  let html = '';
  let from = 0;
  for (let at = haystack.indexOf(needle); at !== -1; at = haystack.indexOf(needle, at + needle.length)) {
    html += `${escapeHtml(text.slice(from, at))}<mark>${escapeHtml(text.slice(at, at + needle.length))}</mark>`;
    from = at + needle.length;
  }
  return html + escapeHtml(text.slice(from));
}
