/**
 * Weekly maintenance windows in an IANA time zone, and the times people type
 * after `at`. Pure: every function takes the instants it needs.
 *
 * How a window meets daylight saving time:
 * - `start` is local time on each of `days`. A start that does not exist that
 *   day (clocks go forward: 02:30 on the last Sunday of March in Europe/Berlin)
 *   opens at the first instant after the gap (03:00 local).
 * - A start that happens twice (clocks go back) opens at the earlier one.
 * - `durationMinutes` is real elapsed time: a 180-minute window across a
 *   change of clocks still lasts 180 minutes, so its local end moves by the change.
 */
import { WEEKDAYS, type Weekday } from "./names.js";
import {
  DAY_MS,
  formatInstant,
  formatWallClock,
  formatWallDate,
  instantOfWallTime,
  MINUTE_MS,
  startOfWallDay,
  wallTimeAt,
} from "./zoned-time.js";

/**
 * A window that opens every week; the same shape as the inventory's `WindowConfig`.
 *
 * Daylight saving time: a `start` that does not exist on a day (the clocks
 * skip it) opens at the first instant after the gap; a `start` that happens
 * twice opens at the earlier instant; `durationMinutes` is real elapsed time.
 */
export interface WeeklyWindow {
  /** An IANA time zone, such as `Europe/Berlin`. */
  timeZone: string;
  /** The local days on which the window opens. */
  days: Weekday[];
  /** Local opening time, `HH:MM` on a 24-hour clock. */
  start: string;
  /** Real elapsed minutes the window stays open, 1 to 1440. */
  durationMinutes: number;
}

/** One occurrence of a window: open from `start` (inclusive) to `end` (exclusive). */
export interface WindowInstance {
  start: Date;
  end: Date;
}

const START_PATTERN = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** The window's start as minutes after local midnight; throws for a malformed window. */
function checkedStartMinutes(window: WeeklyWindow): number {
  const match = START_PATTERN.exec(window.start);
  if (match === null) throw new RangeError(`window start "${window.start}" is not HH:MM`);
  const { durationMinutes: duration, days } = window;
  if (!Number.isInteger(duration) || duration < 1 || duration > 1440) {
    throw new RangeError(`window duration ${duration} is not a whole number from 1 to 1440`);
  }
  if (days.length === 0) throw new RangeError("window opens on no day");
  return Number(match[1]) * 60 + Number(match[2]);
}

function weekdayOf(wall: number): Weekday {
  // getUTCDay counts from Sunday; WEEKDAYS from Monday.
  return WEEKDAYS[(new Date(wall).getUTCDay() + 6) % 7] ?? "mon";
}

/** The occurrences that open on the local dates from `firstDay` to `lastDay` (wall times). */
function occurrences(window: WeeklyWindow, firstDay: number, lastDay: number): WindowInstance[] {
  const startMinutes = checkedStartMinutes(window);
  const found: WindowInstance[] = [];
  for (let day = firstDay; day <= lastDay; day += DAY_MS) {
    if (!window.days.includes(weekdayOf(day))) continue;
    const start = instantOfWallTime(window.timeZone, day + startMinutes * MINUTE_MS);
    found.push({
      start: new Date(start),
      end: new Date(start + window.durationMinutes * MINUTE_MS),
    });
  }
  return found;
}

function localDay(window: WeeklyWindow, instant: Date): number {
  return startOfWallDay(wallTimeAt(window.timeZone, instant.getTime()));
}

/**
 * The occurrence of `window` that contains `instant`, including one that
 * opened the day before and spans midnight; undefined outside every occurrence.
 * Occurrences are half-open: the start is inside, the end is not. Where two
 * overlap (a 24-hour window on a 23-hour day), the later one, which also ends later.
 */
export function windowAt(window: WeeklyWindow, instant: Date): WindowInstance | undefined {
  const today = localDay(window, instant);
  // An occurrence of up to a day can open two local dates back, when the clocks skip an hour.
  const back = Math.ceil(window.durationMinutes / 1440) + 1;
  const t = instant.getTime();
  return occurrences(window, today - back * DAY_MS, today + DAY_MS)
    .filter((o) => o.start.getTime() <= t && t < o.end.getTime())
    .at(-1);
}

/** The occurrence containing `from`, else the first one that opens after `from`. */
export function nextWindow(window: WeeklyWindow, from: Date): WindowInstance {
  const current = windowAt(window, from);
  if (current !== undefined) return current;
  const today = localDay(window, from);
  const next = occurrences(window, today - DAY_MS, today + 8 * DAY_MS).find(
    (o) => o.start.getTime() > from.getTime(),
  );
  // Every window opens at least once a week, so nine local dates always hold one.
  if (next === undefined) throw new RangeError("window never opens");
  return next;
}

function formatRange(start: number, end: number, label: string, dateShownAs?: number): string {
  const startDay = startOfWallDay(start);
  if (startDay !== startOfWallDay(end)) {
    return `${formatWallDate(start)} ${formatWallClock(start)} – ${formatWallDate(end)} ${formatWallClock(end)} ${label}`;
  }
  const clock = `${formatWallClock(start)}–${formatWallClock(end)} ${label}`;
  return startDay === dateShownAs ? clock : `${formatWallDate(start)} ${clock}`;
}

/**
 * An occurrence for people, in its zone and in UTC:
 * `Sat 28 Nov 2026 02:00–05:00 Europe/Berlin (01:00–04:00 UTC)`. A window
 * across midnight names both dates:
 * `Sat 28 Nov 2026 23:00 – Sun 29 Nov 2026 02:00 Europe/Berlin (Sat 28 Nov 2026 22:00 – Sun 29 Nov 2026 01:00 UTC)`.
 * The UTC part names its date only when it is not the local start date; a
 * UTC window has no UTC part.
 */
export function formatWindow(instance: WindowInstance, timeZone: string): string {
  const start = wallTimeAt(timeZone, instance.start.getTime());
  const end = wallTimeAt(timeZone, instance.end.getTime());
  const local = formatRange(start, end, timeZone);
  if (timeZone === "UTC") return local;
  const utc = formatRange(
    instance.start.getTime(),
    instance.end.getTime(),
    "UTC",
    startOfWallDay(start),
  );
  return `${local} (${utc})`;
}

/** The forms `parseAtTime` accepts, for usage texts. */
export const AT_TIME_FORMS =
  '"2026-11-28 02:00", "02:00", "tomorrow 02:00" or "sat 02:00", optionally followed by "UTC"';

/** The furthest ahead `parseAtTime` accepts a time. */
export const MAX_DAYS_AHEAD = 30;

const MAX_AT_TEXT = 40;

/** A time typed after `at`, read but not yet placed in a zone. */
export type AtTime = {
  /**
   * A calendar date (the wall time of its midnight), `today`, `tomorrow`, a
   * weekday, or `next` when no day was given (the next time the clock shows it).
   */
  day:
    | { kind: "date"; wall: number }
    | { kind: "today" | "tomorrow" }
    | { kind: "weekday"; weekday: Weekday }
    | { kind: "next" };
  /** Minutes after local midnight. */
  minutes: number;
  /** Followed by "UTC": the time is UTC, not the window's zone. */
  utc: boolean;
};

const AT_PATTERN =
  /^(?:(\d{4})-(\d{2})-(\d{2})[t ]|([a-z]+) )?([01]?\d|2[0-3]):([0-5]\d)(?: utc)?$/;

const FULL_DAY_NAMES: Record<Weekday, string> = {
  mon: "monday",
  tue: "tuesday",
  wed: "wednesday",
  thu: "thursday",
  fri: "friday",
  sat: "saturday",
  sun: "sunday",
};

const DAY_WORDS = new Map<string, Weekday>(
  WEEKDAYS.flatMap((day) => [[day, day] as const, [FULL_DAY_NAMES[day], day] as const]),
);

function quoted(text: string): string {
  // Only text that can do no harm wherever the reason is shown is repeated back.
  return /^[A-Za-z0-9 :.-]+$/.test(text) ? `"${text}"` : 'the text after "at"';
}

/**
 * Reads the text after `at` without placing it in time: the syntax check,
 * so a command can be refused before anything is looked up.
 */
export function readAtTime(
  text: string,
): { ok: true; time: AtTime } | { ok: false; reason: string } {
  const trimmed = text.trim();
  if (trimmed.length > MAX_AT_TEXT) {
    return {
      ok: false,
      reason: `a time has at most ${MAX_AT_TEXT} characters: use ${AT_TIME_FORMS}`,
    };
  }
  const normal = trimmed.toLowerCase().replace(/ +/g, " ");
  const match = AT_PATTERN.exec(normal);
  const notATime = {
    ok: false as const,
    reason: `${quoted(trimmed)} is not a time: use ${AT_TIME_FORMS}`,
  };
  if (match === null) return notATime;
  const [, year, month, day, word, hour, minute] = match;
  const minutes = Number(hour) * 60 + Number(minute);
  const utc = normal.endsWith(" utc");
  if (year !== undefined) {
    const wall = Date.UTC(Number(year), Number(month) - 1, Number(day));
    if (new Date(wall).toISOString().slice(0, 10) !== `${year}-${month}-${day}`) {
      return { ok: false, reason: `there is no date ${year}-${month}-${day}` };
    }
    return { ok: true, time: { day: { kind: "date", wall }, minutes, utc } };
  }
  if (word === undefined) return { ok: true, time: { day: { kind: "next" }, minutes, utc } };
  if (word === "today" || word === "tomorrow") {
    return { ok: true, time: { day: { kind: word }, minutes, utc } };
  }
  const weekday = DAY_WORDS.get(word);
  if (weekday === undefined) return notATime;
  return { ok: true, time: { day: { kind: "weekday", weekday }, minutes, utc } };
}

/**
 * Places the text after `at` in `/kcm upgrade host at <time>` in time.
 * Local times are in `timeZone` (or UTC when followed by "UTC"), with the
 * window rules for daylight saving time: a time in a gap means the first
 * instant after it, a time that happens twice the earlier one.
 * - `2026-11-28 02:00`, `2026-11-28T02:00`: that date; refused when it has passed.
 * - `02:00`, `sat 02:00` (or `saturday`): the next time the clock shows it,
 *   today included when it is still ahead.
 * - `today 02:00`, `tomorrow 02:00`: that day; `today` is refused once passed.
 * More than {@link MAX_DAYS_AHEAD} days ahead is refused.
 */
export function parseAtTime(
  text: string,
  timeZone: string,
  now: Date,
): { ok: true; at: Date } | { ok: false; reason: string } {
  const read = readAtTime(text);
  if (!read.ok) return read;
  const { day, minutes, utc } = read.time;
  const zone = utc ? "UTC" : timeZone;
  const today = startOfWallDay(wallTimeAt(zone, now.getTime()));
  const at = (dayWall: number) => new Date(instantOfWallTime(zone, dayWall + minutes * MINUTE_MS));
  let result: Date;
  switch (day.kind) {
    case "date":
      result = at(day.wall);
      break;
    case "today":
    case "tomorrow":
      result = at(day.kind === "today" ? today : today + DAY_MS);
      break;
    case "next":
    case "weekday": {
      const wanted = day.kind === "next" ? undefined : WEEKDAYS.indexOf(day.weekday);
      const todayIndex = WEEKDAYS.indexOf(weekdayOf(today));
      const ahead = wanted === undefined ? 0 : (wanted - todayIndex + 7) % 7;
      result = at(today + ahead * DAY_MS);
      if (result <= now) result = at(today + (ahead + (wanted === undefined ? 1 : 7)) * DAY_MS);
      break;
    }
  }
  if (result <= now) {
    return {
      ok: false,
      reason: `${formatInstant(result, zone)} is in the past: it is now ${formatInstant(now, zone)}`,
    };
  }
  const latest = new Date(now.getTime() + MAX_DAYS_AHEAD * DAY_MS);
  if (result > latest) {
    return {
      ok: false,
      reason: `${formatInstant(result, zone)} is more than ${MAX_DAYS_AHEAD} days ahead; the latest is ${formatInstant(latest, zone)}`,
    };
  }
  return { ok: true, at: result };
}
