// Search terms from users become regular expressions only through here: every metacharacter escaped, so
// `.*` finds a dot and a star and never everyone, and `(` cannot break a query.

/** `text` with every regular-expression metacharacter escaped, to match itself inside a pattern. */
export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

/** A search term as a literal, case-insensitive pattern (for `$regex` filters). */
export function literalPattern(term: string): RegExp {
  return new RegExp(escapeRegExp(term), 'i');
}
