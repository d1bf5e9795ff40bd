// How every page writes dates and counts: one style for the whole site (public pages, the dashboard and
// the admin pages alike), given to every view by pageLocals. Times are written in a zone and say which:
// a signed-in user's own zone (their account setting), the site's zone (UTC) for everyone else. Public
// pages, which the page cache keeps for every visitor, show dates only, in the site's zone, so that
// nothing on them depends on who asked.
import { SITE_TIME_ZONE, offsetLabel, toDateTimeLocal } from './time-zones.js';

/** The date formats of one time zone, as pages use them. */
export interface DateFormats {
  /** The IANA name, "Europe/Paris". */
  timeZone: string;
  /** "November 24, 2026", for bylines and lists. */
  formatDate(date: Date | null | undefined): string;
  /** "Nov 24, 2026, 10:30 (Europe/Paris)", where the time matters (dashboard, revisions, audit log). */
  formatDateTime(date: Date | null | undefined): string;
  /** "10:30 (Europe/Paris)", for a time later today (how long a comment stays editable). */
  formatTime(date: Date | null | undefined): string;
  /** "Europe/Paris, UTC+01:00" (the offset in force at `at`, now by default), for labels. */
  zoneLabel(at?: Date): string;
  /** "2026-11-24T10:30", the value of a datetime-local field showing the instant in this zone. */
  toDateTimeLocal(date: Date | null | undefined): string;
}

/** How many formatted dates each zone keeps. */
const MAX_KEPT_DATES = 10_000;

function makeFormats(timeZone: string): DateFormats {
  const date = new Intl.DateTimeFormat('en-US', { year: 'numeric', month: 'long', day: 'numeric', timeZone });
  const dateTime = new Intl.DateTimeFormat('en-US', { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone });
  const time = new Intl.DateTimeFormat('en-US', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone });
  // Formatting is the costly part of a date on a page (about 1% of a page-cache miss of a post page, in a
  // profile); pages show the same few hundred instants (posts, comments) again and again, so each instant's
  // text is kept, a bounded number of them.
  const days = new Map<number, string>();
  const formatDay = (d: Date): string => {
    // Templates are not type-checked: anything but a Date (a timestamp, say) is formatted as before.
    if (!(d instanceof Date)) return date.format(d);
    const at = d.getTime();
    let text = days.get(at);
    if (text === undefined) {
      text = date.format(d);
      if (days.size >= MAX_KEPT_DATES) days.clear();
      days.set(at, text);
    }
    return text;
  };
  return {
    timeZone,
    formatDate: (d) => (d ? formatDay(d) : ''),
    formatDateTime: (d) => (d ? `${dateTime.format(d)} (${timeZone})` : ''),
    formatTime: (d) => (d ? `${time.format(d)} (${timeZone})` : ''),
    zoneLabel: (at = new Date()) => `${timeZone}, ${offsetLabel(at, timeZone)}`,
    toDateTimeLocal: (d) => toDateTimeLocal(d, timeZone),
  };
}

// One set per zone for the life of the process (a few hundred zones at most): Intl formats are costly to
// build and cheap to use, and a page must not build them per request.
const byZone = new Map<string, DateFormats>();

/** The formats of a zone (an IANA name already checked by canonicalTimeZone); the site's zone by default. */
export function dateFormats(timeZone: string = SITE_TIME_ZONE): DateFormats {
  let formats = byZone.get(timeZone);
  if (!formats) {
    formats = makeFormats(timeZone);
    byZone.set(timeZone, formats);
  }
  return formats;
}

const site = dateFormats(SITE_TIME_ZONE);

/** "November 24, 2026" in the site's zone (UTC), for public pages. */
export const formatDate = site.formatDate;

/** "Nov 24, 2026, 09:30 (UTC)": the site's zone, where no user's zone applies (mail, logs). */
export const formatDateTime = site.formatDateTime;

/** "1 post", "3 posts"; `many` for irregular plurals ("post was" / "posts were"). */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
