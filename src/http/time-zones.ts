// Time zones: which IANA names Quire accepts, a zone's offset at an instant, and the conversions between an
// instant (what is stored, always UTC) and a wall-clock time in a zone (what an author types and reads in a
// datetime-local field). All of it from Intl (the ICU data Node ships): no hand-kept table of rules.
// One Intl.DateTimeFormat per zone, made on first use and kept: building one costs far more than using it.

/** The zone of visitors without one of their own, and of every public (page-cached) page. */
export const SITE_TIME_ZONE = 'UTC';

// IANA names are letters, digits and "/_+-" ("America/Argentina/Buenos_Aires", "Etc/GMT+5"). Newer
// engines also accept bare offsets ("+01:00") as zones: those are refused, a zone has a name.
const ZONE_NAME = /^[A-Za-z][A-Za-z0-9_+\-/]{0,63}$/;

const partsFormats = new Map<string, Intl.DateTimeFormat>();

function partsFormat(zone: string): Intl.DateTimeFormat {
  let format = partsFormats.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    partsFormats.set(zone, format);
  }
  return format;
}

/**
 * The canonical name of a time zone ("europe/paris" -> "Europe/Paris", "US/Eastern" -> "America/New_York"),
 * or undefined when it is not one this runtime knows. What is stored is always this canonical name.
 */
export function canonicalTimeZone(name: string): string | undefined {
  if (!ZONE_NAME.test(name)) return undefined;
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

let zoneList: readonly string[] | undefined;

/** Every zone the account page offers: UTC first, then the runtime's IANA zones (which leave UTC out). */
export function timeZoneNames(): readonly string[] {
  zoneList ??= [SITE_TIME_ZONE, ...Intl.supportedValuesOf('timeZone').filter((z) => z !== SITE_TIME_ZONE)];
  return zoneList;
}

/** A wall-clock time without a zone, as a datetime-local field gives it. */
export interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second?: number;
}

/** The wall time as if it were UTC, in milliseconds: the arithmetic below works on these. */
function wallMs(w: WallTime): number {
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second ?? 0);
}

/** The wall time in `zone` at an instant. */
export function wallTimeAt(date: Date, zone: string): WallTime {
  const parts: Record<string, number> = {};
  for (const p of partsFormat(zone).formatToParts(date)) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  return { year: parts.year!, month: parts.month!, day: parts.day!, hour: parts.hour!, minute: parts.minute!, second: parts.second! };
}

/** The zone's offset from UTC at an instant, in minutes (Europe/Paris in winter: 60). */
export function offsetMinutes(date: Date, zone: string): number {
  const whole = Math.floor(date.getTime() / 1000) * 1000;
  return Math.round((wallMs(wallTimeAt(new Date(whole), zone)) - whole) / 60_000);
}

/** "UTC+01:00", "UTC-05:00", "UTC+05:30", "UTC+00:00". */
export function offsetLabel(date: Date, zone: string): string {
  const minutes = offsetMinutes(date, zone);
  const abs = Math.abs(minutes);
  return `UTC${minutes < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/**
 * The instant a wall time in a zone names. Clocks that jump make two special cases:
 * - a wall time inside a gap (Europe/Paris, 2026-03-29 02:30: clocks go from 02:00 to 03:00) names no
 *   instant at all: `{ gap: true }`, and the form refuses it (422) rather than move it silently, because an
 *   author who scheduled 02:30 and finds the post out at 03:30 was given something they did not choose;
 * - a wall time inside an overlap (2026-10-25 02:30 happens twice in Paris) names two instants: the earlier
 *   one, the first time the clock shows it, is taken.
 */
export function instantOfWallTime(wall: WallTime, zone: string): { date: Date } | { gap: true } {
  const local = wallMs(wall);
  // The offsets in force a day either side: a wall time meets at most one transition between them.
  const candidates = new Set([offsetMinutes(new Date(local - 86_400_000), zone), offsetMinutes(new Date(local + 86_400_000), zone)]);
  const instants: number[] = [];
  for (const offset of candidates) {
    const at = local - offset * 60_000;
    if (offsetMinutes(new Date(at), zone) === offset) instants.push(at);
  }
  if (instants.length === 0) return { gap: true };
  return { date: new Date(Math.min(...instants)) };
}

/** "2026-11-24T09:30": an instant as a datetime-local value in a zone. */
export function toDateTimeLocal(date: Date | null | undefined, zone: string): string {
  if (!date) return '';
  const w = wallTimeAt(date, zone);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${String(w.year).padStart(4, '0')}-${two(w.month)}-${two(w.day)}T${two(w.hour)}:${two(w.minute)}`;
}
