/**
 * Wall-clock time in an IANA time zone, with nothing but `Intl.DateTimeFormat`.
 *
 * A *wall time* here is a number of milliseconds that reads, through the UTC
 * methods of `Date`, as the local date and time on a clock in the zone: the
 * wall time of 2026-11-28 02:00 in Europe/Berlin is `Date.UTC(2026, 10, 28, 2, 0)`.
 * Day arithmetic on wall times is plain addition; the zone only matters when
 * converting to and from instants.
 */

/** Milliseconds in a minute. */
export const MINUTE_MS = 60_000;
/** Milliseconds in a calendar day on a wall clock (a real day may be 23 or 25 hours). */
export const DAY_MS = 86_400_000;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    // en-US with h23 prints plain numbers; "h24" or hour12: false would print "24" at midnight.
    formatter = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/**
 * The zone's offset from UTC at `instant` (ms since the epoch), in ms:
 * +3 600 000 for Europe/Berlin in winter. Throws a RangeError for an unknown zone.
 */
export function offsetAt(timeZone: string, instant: number): number {
  const whole = Math.floor(instant / 1000) * 1000;
  const fields: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(whole)) {
    if (part.type !== "literal") fields[part.type] = Number(part.value);
  }
  const field = (name: string) => fields[name] ?? 0;
  const wall = Date.UTC(
    field("year"),
    field("month") - 1,
    field("day"),
    field("hour"),
    field("minute"),
    field("second"),
  );
  return wall - whole;
}

/** The wall time in `timeZone` at `instant` (ms since the epoch). */
export function wallTimeAt(timeZone: string, instant: number): number {
  return instant + offsetAt(timeZone, instant);
}

/**
 * The instant (ms since the epoch) at which clocks in `timeZone` show `wall`.
 *
 * - A wall time that happens twice (clocks go back: 02:30 on the last Sunday
 *   of October in Europe/Berlin) gives the earlier of the two instants.
 * - A wall time that never happens (clocks go forward: 02:30 on the last Sunday
 *   of March in Europe/Berlin) gives the first instant after the gap, the
 *   moment of the change itself (03:00 local, 01:00 UTC).
 */
export function instantOfWallTime(timeZone: string, wall: number): number {
  // Any offset in force near `wall` is in force within a day of it, even in
  // zones that skipped a whole date (Pacific/Apia, 2011-12-30).
  const offsets = [
    ...new Set([
      offsetAt(timeZone, wall - DAY_MS),
      offsetAt(timeZone, wall),
      offsetAt(timeZone, wall + DAY_MS),
    ]),
  ];
  const matching = offsets
    .map((offset) => wall - offset)
    .filter((instant) => wallTimeAt(timeZone, instant) === wall)
    .sort((a, b) => a - b);
  const earliest = matching[0];
  if (earliest !== undefined) return earliest;

  // A gap: between these two instants the clock jumps over `wall`. Clocks
  // change on whole seconds, so a search by seconds finds the change exactly.
  let before = Math.floor((wall - Math.max(...offsets)) / 1000);
  let after = Math.ceil((wall - Math.min(...offsets)) / 1000);
  while (after - before > 1) {
    const middle = Math.floor((before + after) / 2);
    if (wallTimeAt(timeZone, middle * 1000) < wall) before = middle;
    else after = middle;
  }
  return after * 1000;
}

/** The wall time of midnight at the start of the local date that `wall` falls on. */
export function startOfWallDay(wall: number): number {
  return Math.floor(wall / DAY_MS) * DAY_MS;
}

const WEEKDAY_NAMES = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"] as const;
const MONTH_NAMES = [
  "Jan",
  "Feb",
  "Mar",
  "Apr",
  "May",
  "Jun",
  "Jul",
  "Aug",
  "Sep",
  "Oct",
  "Nov",
  "Dec",
] as const;

/** `Sat 28 Nov 2026`: the date of a wall time, in English whatever the locale. */
export function formatWallDate(wall: number): string {
  const date = new Date(wall);
  const weekday = WEEKDAY_NAMES[date.getUTCDay()] ?? "";
  const month = MONTH_NAMES[date.getUTCMonth()] ?? "";
  return `${weekday} ${date.getUTCDate()} ${month} ${date.getUTCFullYear()}`;
}

/** `02:00`: the time of day of a wall time, on a 24-hour clock. */
export function formatWallClock(wall: number): string {
  return new Date(wall).toISOString().slice(11, 16);
}

/** `Sat 28 Nov 2026 02:00 Europe/Berlin`: an instant as people in `timeZone` read it. */
export function formatInstant(instant: Date, timeZone: string): string {
  const wall = wallTimeAt(timeZone, instant.getTime());
  return `${formatWallDate(wall)} ${formatWallClock(wall)} ${timeZone}`;
}
