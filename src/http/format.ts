// How every page writes dates and counts: one style for the whole site (public pages, the dashboard and
// the admin pages alike), given to every view by pageLocals. Dates are shown in UTC, which the date-time
// style says, so a reader never has to guess the zone.

const DATE_FORMAT = new Intl.DateTimeFormat('en-US', { year: 'numeric', month: 'long', day: 'numeric', timeZone: 'UTC' });
const DATE_TIME_FORMAT = new Intl.DateTimeFormat('en-US', {
  year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hour12: false, timeZone: 'UTC', timeZoneName: 'short',
});

/** "November 24, 2026" (UTC), for bylines and lists. */
export function formatDate(date: Date | null | undefined): string {
  return date ? DATE_FORMAT.format(date) : '';
}

/** "Nov 24, 2026, 09:30 UTC", where the time matters (dashboard, revisions, audit log). */
export function formatDateTime(date: Date | null | undefined): string {
  return date ? DATE_TIME_FORMAT.format(date) : '';
}

/** "1 post", "3 posts"; `many` for irregular plurals ("post was" / "posts were"). */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
