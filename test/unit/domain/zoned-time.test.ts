import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  DAY_MS,
  formatInstant,
  formatWallClock,
  formatWallDate,
  instantOfWallTime,
  offsetAt,
  startOfWallDay,
  wallTimeAt,
} from "../../../src/domain/zoned-time.js";

const HOUR = 3_600_000;
const wall = (y: number, mo: number, d: number, h: number, mi: number) =>
  Date.UTC(y, mo - 1, d, h, mi);
const instant = (zone: string, w: number) => new Date(instantOfWallTime(zone, w)).toISOString();

describe("offsetAt", () => {
  it.each([
    ["UTC", "2026-07-01T00:00:00Z", 0],
    ["Europe/Berlin", "2026-01-15T12:00:00Z", 1],
    ["Europe/Berlin", "2026-07-15T12:00:00Z", 2],
    ["America/New_York", "2026-01-15T12:00:00Z", -5],
    ["America/New_York", "2026-07-15T12:00:00Z", -4],
    ["Asia/Kolkata", "2026-07-15T12:00:00Z", 5.5],
    ["Pacific/Chatham", "2026-07-15T12:00:00Z", 12.75],
    ["Pacific/Chatham", "2026-01-15T12:00:00Z", 13.75],
  ])("%s at %s is UTC%+d h", (zone, at, hours) => {
    expect(offsetAt(zone, Date.parse(at))).toBe(hours * HOUR);
  });

  it("ignores the milliseconds of the instant", () => {
    expect(offsetAt("Europe/Berlin", Date.parse("2026-01-15T12:00:00.999Z"))).toBe(HOUR);
  });

  it("throws for a zone that does not exist", () => {
    expect(() => offsetAt("Mars/Olympus", 0)).toThrow(RangeError);
  });
});

describe("wallTimeAt", () => {
  it("reads the local clock, midnight included", () => {
    expect(wallTimeAt("Europe/Berlin", Date.parse("2026-11-27T23:00:00Z"))).toBe(
      wall(2026, 11, 28, 0, 0),
    );
    expect(wallTimeAt("Asia/Kolkata", Date.parse("2026-11-27T20:30:00Z"))).toBe(
      wall(2026, 11, 28, 2, 0),
    );
  });
});

describe("instantOfWallTime", () => {
  /** Converts local time `local` (`YYYY-MM-DD HH:MM`) in `zone`, expecting `expected`. */
  const converts = (zone: string, local: string, expected: string) => {
    expect(instant(zone, Date.parse(`${local.replace(" ", "T")}:00Z`))).toBe(expected);
  };

  it.each([
    ["Europe/Berlin", "2026-11-28 02:00", "2026-11-28T01:00:00.000Z"],
    ["America/New_York", "2026-07-04 12:00", "2026-07-04T16:00:00.000Z"],
    ["Asia/Kolkata", "2026-11-28 02:00", "2026-11-27T20:30:00.000Z"],
    ["UTC", "2026-11-28 02:00", "2026-11-28T02:00:00.000Z"],
  ])("converts an ordinary local time: %s %s is %s", converts);

  it.each([
    // Europe/Berlin: 02:00 CET -> 03:00 CEST on Sunday 29 March 2026.
    ["Europe/Berlin", "2026-03-29 02:00", "2026-03-29T01:00:00.000Z"],
    ["Europe/Berlin", "2026-03-29 02:59", "2026-03-29T01:00:00.000Z"],
    ["Europe/Berlin", "2026-03-29 03:00", "2026-03-29T01:00:00.000Z"],
    ["Europe/Berlin", "2026-03-29 01:59", "2026-03-29T00:59:00.000Z"],
    // America/New_York: 02:00 EST -> 03:00 EDT on Sunday 8 March 2026.
    ["America/New_York", "2026-03-08 02:30", "2026-03-08T07:00:00.000Z"],
    // Pacific/Chatham: 02:45 -> 03:45 on Sunday 27 September 2026.
    ["Pacific/Chatham", "2026-09-27 03:00", "2026-09-26T14:00:00.000Z"],
  ])("moves a time in a spring-forward gap to the end of the gap: %s %s is %s", converts);

  it.each([
    // Europe/Berlin: 03:00 CEST -> 02:00 CET on Sunday 25 October 2026.
    ["Europe/Berlin", "2026-10-25 02:30", "2026-10-25T00:30:00.000Z"],
    // The hour after the repeated one is unique again.
    ["Europe/Berlin", "2026-10-25 03:00", "2026-10-25T02:00:00.000Z"],
    // America/New_York: 02:00 EDT -> 01:00 EST on Sunday 1 November 2026.
    ["America/New_York", "2026-11-01 01:30", "2026-11-01T05:30:00.000Z"],
    // Pacific/Chatham: 03:45 -> 02:45 on Sunday 5 April 2026.
    ["Pacific/Chatham", "2026-04-05 03:00", "2026-04-04T13:15:00.000Z"],
  ])("takes the earlier instant of a time that happens twice: %s %s is %s", converts);

  it.each([
    // Lord Howe goes from +10:30 to +11:00 at 02:00 on Sunday 4 October 2026.
    ["Australia/Lord_Howe", "2026-10-04 02:15", "2026-10-03T15:30:00.000Z"],
    // Samoa skipped Friday 30 December 2011: any time that day is midnight on the 31st.
    ["Pacific/Apia", "2011-12-30 12:00", "2011-12-30T10:00:00.000Z"],
  ])("handles a half-hour change and a skipped date: %s %s is %s", converts);

  const zones = fc.constantFrom(
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "Asia/Kolkata",
    "Pacific/Chatham",
    "Australia/Lord_Howe",
    "America/Santiago",
    "Pacific/Apia",
  );
  const minutes = fc
    .integer({ min: Date.UTC(2000, 0, 1) / 60_000, max: Date.UTC(2040, 0, 1) / 60_000 })
    .map((m) => m * 60_000);

  it("gives the earliest instant that shows the wall time, or the end of the gap it is in", () => {
    fc.assert(
      fc.property(zones, minutes, (zone, w) => {
        const at = instantOfWallTime(zone, w);
        if (wallTimeAt(zone, at) === w) {
          // Earliest: a second before, the clock showed an earlier time or (after
          // a change back) a later one that is not w either.
          expect(wallTimeAt(zone, at - 1000)).not.toBe(w);
          for (const back of [HOUR / 2, HOUR, 2 * HOUR]) {
            expect(wallTimeAt(zone, at - back)).not.toBe(w);
          }
        } else {
          expect(wallTimeAt(zone, at)).toBeGreaterThan(w);
          expect(wallTimeAt(zone, at - 1000)).toBeLessThan(w);
        }
      }),
    );
  });

  it("gives back an instant from its own wall time, or an earlier one showing the same", () => {
    fc.assert(
      fc.property(zones, minutes, (zone, t) => {
        const back = instantOfWallTime(zone, wallTimeAt(zone, t));
        expect(back).toBeLessThanOrEqual(t);
        expect(wallTimeAt(zone, back)).toBe(wallTimeAt(zone, t));
      }),
    );
  });
});

describe("formatting", () => {
  it("writes dates and clocks in English on a 24-hour clock", () => {
    expect(formatWallDate(wall(2026, 11, 28, 23, 59))).toBe("Sat 28 Nov 2026");
    expect(formatWallDate(wall(2027, 1, 3, 0, 0))).toBe("Sun 3 Jan 2027");
    expect(formatWallClock(wall(2026, 11, 28, 0, 5))).toBe("00:05");
    expect(formatWallClock(wall(2026, 11, 28, 23, 59))).toBe("23:59");
  });

  it("formats an instant in a zone", () => {
    const at = new Date("2026-11-28T01:00:00Z");
    expect(formatInstant(at, "Europe/Berlin")).toBe("Sat 28 Nov 2026 02:00 Europe/Berlin");
    expect(formatInstant(at, "America/New_York")).toBe("Fri 27 Nov 2026 20:00 America/New_York");
  });

  it("finds the start of a local date", () => {
    expect(startOfWallDay(wall(2026, 11, 28, 13, 7))).toBe(wall(2026, 11, 28, 0, 0));
    expect(startOfWallDay(wall(1969, 12, 31, 13, 7))).toBe(wall(1969, 12, 31, 0, 0));
    expect(DAY_MS).toBe(24 * HOUR);
  });
});
