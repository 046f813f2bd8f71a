import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type WindowConfig, windowSchema } from "../../../src/config/inventory-schema.js";
import {
  formatWindow,
  nextWindow,
  parseAtTime,
  readAtTime,
  type WeeklyWindow,
  type WindowInstance,
  windowAt,
} from "../../../src/domain/maintenance-window.js";
import { WEEKDAYS, type Weekday } from "../../../src/domain/names.js";
import { offsetAt, wallTimeAt } from "../../../src/domain/zoned-time.js";

const window = (
  timeZone: string,
  days: Weekday[],
  start: string,
  durationMinutes: number,
): WeeklyWindow => ({ timeZone, days, start, durationMinutes });

const iso = (instance: WindowInstance | undefined) =>
  instance && { start: instance.start.toISOString(), end: instance.end.toISOString() };
const at = (text: string) => new Date(text);

const BERLIN_SAT = window("Europe/Berlin", ["sat"], "02:00", 180);

describe("windowAt", () => {
  it("finds the occurrence around an instant, start inside and end outside", () => {
    const expected = { start: "2026-11-28T01:00:00.000Z", end: "2026-11-28T04:00:00.000Z" };
    expect(iso(windowAt(BERLIN_SAT, at("2026-11-28T01:00:00Z")))).toEqual(expected);
    expect(iso(windowAt(BERLIN_SAT, at("2026-11-28T02:30:00Z")))).toEqual(expected);
    expect(iso(windowAt(BERLIN_SAT, at("2026-11-28T03:59:59.999Z")))).toEqual(expected);
    expect(windowAt(BERLIN_SAT, at("2026-11-28T04:00:00Z"))).toBeUndefined();
    expect(windowAt(BERLIN_SAT, at("2026-11-28T00:59:59.999Z"))).toBeUndefined();
    expect(windowAt(BERLIN_SAT, at("2026-11-27T01:30:00Z"))).toBeUndefined();
  });

  it("finds an occurrence that began the previous day and spans midnight", () => {
    const w = window("Europe/Berlin", ["sat"], "23:00", 180);
    // Sunday 01:00 local is inside Saturday's window.
    expect(iso(windowAt(w, at("2026-11-29T00:00:00Z")))).toEqual({
      start: "2026-11-28T22:00:00.000Z",
      end: "2026-11-29T01:00:00.000Z",
    });
    expect(windowAt(w, at("2026-11-29T01:00:00Z"))).toBeUndefined();
    // Sunday 23:30 is outside: the window opens on Saturdays only.
    expect(windowAt(w, at("2026-11-29T22:30:00Z"))).toBeUndefined();
  });

  it("uses the time zone's weekday, not UTC's", () => {
    // Saturday 02:00 in Kolkata is Friday 20:30 UTC.
    const w = window("Asia/Kolkata", ["sat"], "02:00", 60);
    expect(iso(windowAt(w, at("2026-11-27T20:45:00Z")))).toEqual({
      start: "2026-11-27T20:30:00.000Z",
      end: "2026-11-27T21:30:00.000Z",
    });
    expect(windowAt(w, at("2026-11-28T20:45:00Z"))).toBeUndefined();
  });

  it("prefers the later of two overlapping occurrences (a whole-day window on a short day)", () => {
    // Daily 00:00 for 1440 minutes; Sunday 29 March 2026 is 23 hours long in Berlin,
    // so Sunday's occurrence runs into Monday's first hour.
    const w = window("Europe/Berlin", [...WEEKDAYS], "00:00", 1440);
    expect(iso(windowAt(w, at("2026-03-29T22:30:00Z")))).toEqual({
      start: "2026-03-29T22:00:00.000Z",
      end: "2026-03-30T22:00:00.000Z",
    });
  });

  it("throws for a malformed window", () => {
    const t = at("2026-11-28T00:00:00Z");
    expect(() => windowAt(window("UTC", ["sat"], "2:00", 60), t)).toThrow(/HH:MM/);
    expect(() => windowAt(window("UTC", ["sat"], "24:00", 60), t)).toThrow(/HH:MM/);
    expect(() => windowAt(window("UTC", ["sat"], "02:00", 0), t)).toThrow(/1 to 1440/);
    expect(() => windowAt(window("UTC", ["sat"], "02:00", 1441), t)).toThrow(/1 to 1440/);
    expect(() => windowAt(window("UTC", ["sat"], "02:00", 1.5), t)).toThrow(/1 to 1440/);
    expect(() => windowAt(window("UTC", [], "02:00", 60), t)).toThrow(/no day/);
    expect(() => windowAt(window("Nowhere/Atlantis", ["sat"], "02:00", 60), t)).toThrow();
  });
});

/** Transition days: each case is a window on the day the clocks change, and where it falls. */
describe("windows on the days the clocks change", () => {
  it.each([
    // Europe/Berlin, Sunday 29 March 2026: 02:00 CET -> 03:00 CEST.
    [
      "Berlin spring, start in the gap",
      "Europe/Berlin",
      "02:30",
      60,
      "2026-03-29T01:00:00Z",
      "2026-03-29T02:00:00Z",
    ],
    [
      "Berlin spring, start at the gap",
      "Europe/Berlin",
      "02:00",
      180,
      "2026-03-29T01:00:00Z",
      "2026-03-29T04:00:00Z",
    ],
    [
      "Berlin spring, across the gap",
      "Europe/Berlin",
      "01:00",
      180,
      "2026-03-29T00:00:00Z",
      "2026-03-29T03:00:00Z",
    ],
    // Europe/Berlin, Sunday 25 October 2026: 03:00 CEST -> 02:00 CET.
    [
      "Berlin autumn, ambiguous start",
      "Europe/Berlin",
      "02:30",
      60,
      "2026-10-25T00:30:00Z",
      "2026-10-25T01:30:00Z",
    ],
    [
      "Berlin autumn, across the change",
      "Europe/Berlin",
      "01:00",
      180,
      "2026-10-24T23:00:00Z",
      "2026-10-25T02:00:00Z",
    ],
    // America/New_York, Sunday 8 March 2026: 02:00 EST -> 03:00 EDT.
    [
      "New York spring, start in the gap",
      "America/New_York",
      "02:00",
      120,
      "2026-03-08T07:00:00Z",
      "2026-03-08T09:00:00Z",
    ],
    [
      "New York spring, across the gap",
      "America/New_York",
      "01:30",
      60,
      "2026-03-08T06:30:00Z",
      "2026-03-08T07:30:00Z",
    ],
    // America/New_York, Sunday 1 November 2026: 02:00 EDT -> 01:00 EST.
    [
      "New York autumn, ambiguous start",
      "America/New_York",
      "01:30",
      60,
      "2026-11-01T05:30:00Z",
      "2026-11-01T06:30:00Z",
    ],
    [
      "New York autumn, after the change",
      "America/New_York",
      "02:00",
      60,
      "2026-11-01T07:00:00Z",
      "2026-11-01T08:00:00Z",
    ],
    // Pacific/Chatham, +12:45 / +13:45: 02:45 -> 03:45 on 27 Sep, 03:45 -> 02:45 on 5 Apr 2026.
    [
      "Chatham spring, start in the gap",
      "Pacific/Chatham",
      "03:00",
      60,
      "2026-09-26T14:00:00Z",
      "2026-09-26T15:00:00Z",
    ],
    [
      "Chatham autumn, ambiguous start",
      "Pacific/Chatham",
      "03:00",
      60,
      "2026-04-04T13:15:00Z",
      "2026-04-04T14:15:00Z",
    ],
  ])("%s", (_name, zone, start, minutes, opens, closes) => {
    const w = window(zone, ["sun"], start, minutes);
    const instance = nextWindow(w, new Date(Date.parse(opens) - 3 * 86_400_000));
    expect(iso(instance)).toEqual({
      start: new Date(opens).toISOString(),
      end: new Date(closes).toISOString(),
    });
    expect(iso(windowAt(w, new Date(opens)))).toEqual(iso(instance));
    expect(windowAt(w, new Date(closes))).toBeUndefined();
  });

  it("contains the repeated hour both times in an ambiguous-start window", () => {
    // Berlin 01:00 for 180 real minutes: 01:00 CEST to 03:00 CET, four local hours.
    const w = window("Europe/Berlin", ["sun"], "01:00", 180);
    expect(windowAt(w, at("2026-10-25T00:30:00Z"))).toBeDefined(); // 02:30 CEST
    expect(windowAt(w, at("2026-10-25T01:30:00Z"))).toBeDefined(); // 02:30 CET
  });

  it("lets a Saturday-night window run into the gap at its real length", () => {
    const w = window("Europe/Berlin", ["sat"], "23:00", 240);
    expect(iso(windowAt(w, at("2026-03-29T01:30:00Z")))).toEqual({
      start: "2026-03-28T22:00:00.000Z",
      end: "2026-03-29T02:00:00.000Z", // 04:00 CEST: four real hours, five on the clock
    });
  });
});

describe("nextWindow", () => {
  it("takes a window from the inventory as it is", () => {
    const config: WindowConfig = windowSchema.parse({
      timeZone: "Europe/Berlin",
      days: ["sat"],
      start: "02:00",
      durationMinutes: 180,
    });
    expect(iso(nextWindow(config, at("2026-11-24T00:00:00Z")))).toEqual({
      start: "2026-11-28T01:00:00.000Z",
      end: "2026-11-28T04:00:00.000Z",
    });
  });

  it("returns the occurrence containing the instant", () => {
    expect(iso(nextWindow(BERLIN_SAT, at("2026-11-28T03:00:00Z")))).toEqual({
      start: "2026-11-28T01:00:00.000Z",
      end: "2026-11-28T04:00:00.000Z",
    });
  });

  it("returns the next occurrence, across a week boundary and a year boundary", () => {
    expect(iso(nextWindow(BERLIN_SAT, at("2026-11-28T04:00:00Z")))?.start).toBe(
      "2026-12-05T01:00:00.000Z",
    );
    const monday = window("Europe/Berlin", ["mon"], "02:00", 60);
    expect(iso(nextWindow(monday, at("2026-11-24T12:00:00Z")))?.start).toBe(
      "2026-11-30T01:00:00.000Z",
    );
    expect(iso(nextWindow(monday, at("2026-12-29T12:00:00Z")))?.start).toBe(
      "2027-01-04T01:00:00.000Z",
    );
  });

  it("picks the nearest of several days", () => {
    const w = window("America/New_York", ["tue", "thu", "sun"], "22:00", 90);
    // Wednesday noon in New York -> Thursday 22:00 EST.
    expect(iso(nextWindow(w, at("2026-11-25T17:00:00Z")))?.start).toBe("2026-11-27T03:00:00.000Z");
  });

  it("works with UTC, Asia/Kolkata and Pacific/Chatham outside transitions", () => {
    const from = at("2026-11-24T00:00:00Z");
    expect(iso(nextWindow(window("UTC", ["sat"], "02:00", 60), from))?.start).toBe(
      "2026-11-28T02:00:00.000Z",
    );
    expect(iso(nextWindow(window("Asia/Kolkata", ["sat"], "02:00", 60), from))?.start).toBe(
      "2026-11-27T20:30:00.000Z",
    );
    // November is summer in Chatham: +13:45.
    expect(iso(nextWindow(window("Pacific/Chatham", ["sat"], "02:00", 60), from))?.start).toBe(
      "2026-11-27T12:15:00.000Z",
    );
    // July is winter there: +12:45.
    expect(
      iso(nextWindow(window("Pacific/Chatham", ["sat"], "02:00", 60), at("2026-07-01T00:00:00Z")))
        ?.start,
    ).toBe("2026-07-03T13:15:00.000Z");
  });
});

describe("formatWindow", () => {
  it("writes the local date, times and zone, then UTC", () => {
    const instance = nextWindow(BERLIN_SAT, at("2026-11-24T00:00:00Z"));
    expect(formatWindow(instance, "Europe/Berlin")).toBe(
      "Sat 28 Nov 2026 02:00–05:00 Europe/Berlin (01:00–04:00 UTC)",
    );
  });

  it("names both dates of a window across midnight", () => {
    const w = window("Europe/Berlin", ["sat"], "23:00", 180);
    expect(formatWindow(nextWindow(w, at("2026-11-24T00:00:00Z")), "Europe/Berlin")).toBe(
      "Sat 28 Nov 2026 23:00 – Sun 29 Nov 2026 02:00 Europe/Berlin (Sat 28 Nov 2026 22:00 – Sun 29 Nov 2026 01:00 UTC)",
    );
  });

  it("names the UTC date when it differs from the local one", () => {
    const w = window("Asia/Kolkata", ["sat"], "02:00", 60);
    expect(formatWindow(nextWindow(w, at("2026-11-24T00:00:00Z")), "Asia/Kolkata")).toBe(
      "Sat 28 Nov 2026 02:00–03:00 Asia/Kolkata (Fri 27 Nov 2026 20:30–21:30 UTC)",
    );
  });

  it("says UTC once for a UTC window, and shows a DST day's real end", () => {
    const utc = nextWindow(window("UTC", ["sat"], "02:00", 60), at("2026-11-24T00:00:00Z"));
    expect(formatWindow(utc, "UTC")).toBe("Sat 28 Nov 2026 02:00–03:00 UTC");
    const spring = nextWindow(
      window("Europe/Berlin", ["sun"], "01:00", 180),
      at("2026-03-25T00:00:00Z"),
    );
    expect(formatWindow(spring, "Europe/Berlin")).toBe(
      "Sun 29 Mar 2026 01:00–05:00 Europe/Berlin (00:00–03:00 UTC)",
    );
  });
});

describe("windows, properties", () => {
  const DAY = 86_400_000;
  /** Zones and instants near their 2026 changes of clock, to land windows on those days. */
  const CHANGES: [string, string][] = [
    ["Europe/Berlin", "2026-03-29T01:00:00Z"],
    ["Europe/Berlin", "2026-10-25T01:00:00Z"],
    ["America/New_York", "2026-03-08T07:00:00Z"],
    ["America/New_York", "2026-11-01T06:00:00Z"],
    ["Pacific/Chatham", "2026-04-04T14:00:00Z"],
    ["Pacific/Chatham", "2026-09-26T14:00:00Z"],
    ["Australia/Lord_Howe", "2026-04-04T15:00:00Z"],
    ["Australia/Lord_Howe", "2026-10-03T15:30:00Z"],
    ["America/Santiago", "2026-04-05T03:00:00Z"],
    ["America/Santiago", "2026-09-06T04:00:00Z"],
    ["Australia/Sydney", "2026-04-04T16:00:00Z"],
    ["Australia/Sydney", "2026-10-03T16:00:00Z"],
  ];
  const zones = fc.constantFrom("UTC", "Asia/Kolkata", ...new Set(CHANGES.map(([zone]) => zone)));
  const clock = fc.oneof(
    fc
      .tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }))
      .map(([h, m]) => `${String(h).padStart(2, "0")}:${String(m).padStart(2, "0")}`),
    // Times that fall in or next to the gaps and repeats of the zones above.
    fc.constantFrom(
      "00:00",
      "00:30",
      "01:30",
      "02:00",
      "02:15",
      "02:30",
      "02:45",
      "03:00",
      "23:30",
    ),
  );
  const windowIn = (timeZone: fc.Arbitrary<string>): fc.Arbitrary<WeeklyWindow> =>
    fc.record({
      timeZone,
      days: fc.oneof(fc.subarray([...WEEKDAYS], { minLength: 1 }), fc.constant<Weekday[]>(["sun"])),
      start: clock,
      durationMinutes: fc.oneof(
        fc.integer({ min: 1, max: 1440 }),
        fc.constantFrom(1, 60, 180, 1439, 1440),
      ),
    });
  const anyInstant = fc
    .integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2035, 0, 1) })
    .map((t) => new Date(t));
  const cases = fc.oneof(
    fc.tuple(windowIn(zones), anyInstant),
    fc.constantFrom(...CHANGES).chain(([zone, change]) =>
      fc.tuple(
        windowIn(fc.constant(zone)),
        fc.integer({ min: -8 * DAY, max: DAY }).map((d) => new Date(Date.parse(change) + d)),
      ),
    ),
  );
  const runs = { numRuns: 500 };

  it("nextWindow ends after `from`, contains it or starts after it, and nothing opens in between", () => {
    fc.assert(
      fc.property(cases, ([w, t]) => {
        const next = nextWindow(w, t);
        expect(next.end.getTime()).toBeGreaterThan(t.getTime());
        expect(next.end.getTime() - next.start.getTime()).toBe(w.durationMinutes * 60_000);
        if (next.start > t) {
          expect(windowAt(w, t)).toBeUndefined();
          expect(windowAt(w, new Date(next.start.getTime() - 1))).toBeUndefined();
        } else {
          expect(iso(windowAt(w, t))).toEqual(iso(next));
        }
      }),
      runs,
    );
  });

  it("windowAt at the start of nextWindow is that occurrence", () => {
    fc.assert(
      fc.property(cases, ([w, t]) => {
        const next = nextWindow(w, t);
        expect(iso(windowAt(w, next.start))).toEqual(iso(next));
      }),
      runs,
    );
  });

  it("opens at `start` on one of `days`, local time, except where the clocks skip it", () => {
    fc.assert(
      fc.property(cases, ([w, t]) => {
        const start = nextWindow(w, t).start.getTime();
        const local = new Date(wallTimeAt(w.timeZone, start));
        const clock = local.toISOString().slice(11, 16);
        if (clock === w.start) {
          expect(w.days).toContain(WEEKDAYS[(local.getUTCDay() + 6) % 7]);
        } else {
          // A gap day: the clocks jumped forward at exactly this instant, over `start`.
          expect(offsetAt(w.timeZone, start - 1000)).toBeLessThan(offsetAt(w.timeZone, start));
          const before = new Date(wallTimeAt(w.timeZone, start - 1000)).toISOString().slice(11, 16);
          expect(before < w.start || before > clock).toBe(true);
        }
      }),
      runs,
    );
  });
});

describe("parseAtTime", () => {
  // Thursday 26 November 2026, 13:00 in Berlin.
  const now = at("2026-11-26T12:00:00Z");
  const parse = (text: string, zone = "Europe/Berlin") => {
    const result = parseAtTime(text, zone, now);
    return result.ok ? result.at.toISOString() : result.reason;
  };

  it.each([
    ["2026-11-28 02:00", "2026-11-28T01:00:00.000Z"],
    ["2026-11-28T02:00", "2026-11-28T01:00:00.000Z"],
    ["2026-11-28t02:00", "2026-11-28T01:00:00.000Z"],
    ["2026-11-28 02:00 UTC", "2026-11-28T02:00:00.000Z"],
    ["2026-11-28T02:00 utc", "2026-11-28T02:00:00.000Z"],
    ["14:00", "2026-11-26T13:00:00.000Z"], // still ahead today
    ["02:00", "2026-11-27T01:00:00.000Z"], // passed today: tomorrow
    ["2:00", "2026-11-27T01:00:00.000Z"],
    ["13:00", "2026-11-27T12:00:00.000Z"], // exactly now is not ahead
    ["11:30 UTC", "2026-11-27T11:30:00.000Z"], // passed in UTC, though ahead in Berlin
    ["12:30 UTC", "2026-11-26T12:30:00.000Z"],
    ["today 14:00", "2026-11-26T13:00:00.000Z"],
    ["tomorrow 02:00", "2026-11-27T01:00:00.000Z"],
    ["Tomorrow 23:59", "2026-11-27T22:59:00.000Z"],
    ["sat 02:00", "2026-11-28T01:00:00.000Z"],
    ["SAT 02:00", "2026-11-28T01:00:00.000Z"],
    ["saturday 02:00", "2026-11-28T01:00:00.000Z"],
    ["mon 02:00", "2026-11-30T01:00:00.000Z"],
    ["thu 14:00", "2026-11-26T13:00:00.000Z"], // today, still ahead
    ["thu 12:00", "2026-12-03T11:00:00.000Z"], // today, passed: next week
    ["  sat   02:00  ", "2026-11-28T01:00:00.000Z"],
  ])("reads %j", (text, expected) => {
    expect(parse(text)).toBe(expected);
  });

  it("reads local times in the given zone, daylight saving included", () => {
    expect(parse("sat 02:00", "America/New_York")).toBe("2026-11-28T07:00:00.000Z");
    expect(parse("sat 02:00", "Asia/Kolkata")).toBe("2026-11-27T20:30:00.000Z");
    const march = at("2026-03-20T12:00:00Z");
    const result = parseAtTime("2026-03-29 02:30", "Europe/Berlin", march);
    expect(result).toEqual({ ok: true, at: at("2026-03-29T01:00:00Z") }); // in the gap: 03:00
    const october = parseAtTime("2026-10-25 02:30", "Europe/Berlin", march);
    expect(october).toEqual({ ok: false, reason: expect.stringMatching(/more than 30 days/) });
    const repeated = parseAtTime("sun 02:30", "Europe/Berlin", at("2026-10-20T00:00:00Z"));
    expect(repeated).toEqual({ ok: true, at: at("2026-10-25T00:30:00Z") }); // the earlier 02:30
  });

  it("refuses a time in the past, saying what time it is now", () => {
    expect(parse("2026-11-20 02:00")).toBe(
      "Fri 20 Nov 2026 02:00 Europe/Berlin is in the past: it is now Thu 26 Nov 2026 13:00 Europe/Berlin",
    );
    expect(parse("2026-11-26 13:00")).toMatch(/is in the past/);
    expect(parse("today 12:59")).toMatch(/is in the past: it is now Thu 26 Nov 2026 13:00/);
    expect(parse("2026-11-26 11:00 UTC")).toMatch(/it is now Thu 26 Nov 2026 12:00 UTC$/);
  });

  it("refuses a time more than 30 days ahead, and accepts exactly 30", () => {
    expect(parse("2026-12-27 02:00")).toBe(
      "Sun 27 Dec 2026 02:00 Europe/Berlin is more than 30 days ahead; the latest is Sat 26 Dec 2026 13:00 Europe/Berlin",
    );
    expect(parse("2026-12-26 12:00 UTC")).toBe("2026-12-26T12:00:00.000Z");
    expect(parse("2026-12-26 12:01 UTC")).toMatch(/more than 30 days ahead/);
  });

  it.each([
    "",
    "   ",
    "soon",
    "next-window",
    "25:00",
    "02:60",
    "0200",
    "02:00:00",
    "sat",
    "next friday 02:00",
    "02:00 CET",
    "02:00 UTC UTC",
    "2026-11-28",
    "28.11.2026 02:00",
    "2026-11-28  T02:00",
    "yesterday 02:00",
    "02:00 pm",
  ])("refuses %j as not a time, listing the forms", (text) => {
    expect(parse(text)).toMatch(/is not a time: use "2026-11-28 02:00", "02:00"/);
  });

  it("refuses a date that does not exist", () => {
    expect(parse("2026-02-30 02:00")).toBe("there is no date 2026-02-30");
    expect(parse("2026-13-01 02:00")).toBe("there is no date 2026-13-01");
    expect(parse("2026-00-10 02:00")).toBe("there is no date 2026-00-10");
  });

  it.each([
    "02:00; rm -rf /",
    "$(reboot) 02:00",
    "`id` 02:00",
    "02:00\nUTC",
    "02:00\u0000",
    "<!channel> 02:00",
    "sat 02:00 && curl evil.example",
    "'; DROP TABLE requests; --",
  ])("refuses %j without repeating it", (text) => {
    const reason = parse(text);
    expect(reason).toMatch(/^the text after "at" is not a time/);
    for (const fragment of ["rm", "$(", "`", "<!", "curl", "DROP", "\n", "\u0000"]) {
      expect(reason).not.toContain(fragment);
    }
  });

  it("refuses text longer than 40 characters", () => {
    expect(parse(`sat 02:00${" ".repeat(10)}${"x".repeat(30)}`)).toMatch(/at most 40 characters/);
  });

  it("never throws on arbitrary text", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (text) => {
        const result = parseAtTime(text, "Europe/Berlin", now);
        if (result.ok) {
          expect(result.at.getTime()).toBeGreaterThan(now.getTime());
          expect(result.at.getTime() - now.getTime()).toBeLessThanOrEqual(30 * 86_400_000);
        }
      }),
    );
  });
});

describe("readAtTime", () => {
  it("reads the form without placing it in time", () => {
    expect(readAtTime("sat 02:00 UTC")).toEqual({
      ok: true,
      time: { day: { kind: "weekday", weekday: "sat" }, minutes: 120, utc: true },
    });
    expect(readAtTime("2026-11-28T02:00")).toEqual({
      ok: true,
      time: { day: { kind: "date", wall: Date.UTC(2026, 10, 28) }, minutes: 120, utc: false },
    });
    expect(readAtTime("sometime").ok).toBe(false);
  });
});
