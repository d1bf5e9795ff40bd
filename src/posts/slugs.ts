// Slugs for posts and tags: lower-case ASCII words joined by hyphens, made from a title or name.
export const SLUG_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
export const SLUG_MAX = 100;

/** Paths under /posts/ that belong to the editor, so no post may be called that. */
export const RESERVED_POST_SLUGS = new Set(['new', 'preview']);

/** "Crème Brûlée: a how-to!" -> "creme-brulee-a-how-to"; '' when nothing ASCII is left. */
export function slugify(text: string, max = SLUG_MAX): string {
  const slug = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/&/g, ' and ')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  if (slug.length <= max) return slug;
  const cut = slug.slice(0, max);
  const lastHyphen = cut.lastIndexOf('-');
  return (lastHyphen > max / 2 ? cut.slice(0, lastHyphen) : cut).replace(/-+$/, '');
}

/** `base`, or `base-2`, `base-3`... the first that `taken` does not contain. */
export function firstFreeSlug(base: string, taken: ReadonlySet<string>): string {
  if (!taken.has(base) && !RESERVED_POST_SLUGS.has(base)) return base;
  for (let n = 2; ; n++) {
    const candidate = withSuffix(base, String(n));
    if (!taken.has(candidate)) return candidate;
  }
}

/** `base-suffix`, `base` shortened so that the whole stays within SLUG_MAX. */
export function withSuffix(base: string, suffix: string): string {
  return `${base.slice(0, SLUG_MAX - suffix.length - 1).replace(/-+$/, '')}-${suffix}`;
}
