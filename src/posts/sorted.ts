// The one binary search of the reading and search indexes, whose lists are kept sorted newest first.

/**
 * The position of the first item of `list` for which `before` is false, where `before` holds for a prefix
 * of the list and not after it (where an item goes, or where a part of a sorted list starts).
 */
export function firstNotBefore<T>(list: readonly T[], before: (item: T) => boolean): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (before(list[mid]!)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
