import { describe, expect, it } from "vitest";
import { chooseRunWindow } from "../../../src/domain/choose-run-window.js";
import type { WeeklyWindow } from "../../../src/domain/maintenance-window.js";
import type { WhenSpec } from "../../../src/domain/parse-kcm-command.js";

// Saturdays 02:00-05:00 Berlin time (UTC+1 in November).
const SATURDAY_NIGHT: WeeklyWindow = {
  timeZone: "Europe/Berlin",
  days: ["sat"],
  start: "02:00",
  durationMinutes: 180,
};
const THURSDAY_NOON = new Date("2026-11-26T12:00:00Z");
const INSIDE = new Date("2026-11-28T02:30:00Z"); // Sat 03:30 Berlin

/** chooseRunWindow for `when`, asked at `now`, on a host with the Saturday-night window; requests expire after an hour. */
const choose = (when: WhenSpec, now = THURSDAY_NOON) =>
  chooseRunWindow(when, SATURDAY_NIGHT, now, 60);

describe("chooseRunWindow", () => {
  it("next-window: the host's next window, no emergency", () => {
    const choice = choose({ kind: "next-window" });
    expect(choice).toMatchObject({ ok: true, emergency: false });
    if (!choice.ok) return;
    expect(choice.runWindow.start.toISOString()).toBe("2026-11-28T01:00:00.000Z");
    expect(choice.runWindow.end.toISOString()).toBe("2026-11-28T04:00:00.000Z");
    expect(choice.label).toContain("Europe/Berlin");
  });

  it("next-window without a window in the inventory is refused, saying what to ask instead", () => {
    const choice = chooseRunWindow({ kind: "next-window" }, undefined, THURSDAY_NOON, 60);
    expect(choice).toMatchObject({ ok: false, reason: expect.stringContaining("`now`") });
  });

  it("now inside the window runs in what is left of it", () => {
    const choice = choose({ kind: "now" }, INSIDE);
    expect(choice).toMatchObject({ ok: true, emergency: false });
    if (choice.ok) expect(choice.runWindow.end.toISOString()).toBe("2026-11-28T04:00:00.000Z");
  });

  it("now outside the window is an emergency whose slot outlasts the approval by an hour", () => {
    const choice = choose({ kind: "now" });
    expect(choice).toMatchObject({ ok: true, emergency: true });
    if (!choice.ok) return;
    expect(choice.runWindow.start).toEqual(THURSDAY_NOON);
    expect(choice.runWindow.end.toISOString()).toBe("2026-11-26T14:00:00.000Z");
    expect(choice.label).toMatch(/^EMERGENCY/);
  });

  it("at a time inside the window is not an emergency; at a time in the past is refused", () => {
    const inside = choose({ kind: "at", text: "sat 03:00" });
    expect(inside).toMatchObject({ ok: true, emergency: false });
    if (inside.ok) expect(inside.runWindow.start.toISOString()).toBe("2026-11-28T02:00:00.000Z");
    const past = choose({ kind: "at", text: "2026-11-25 10:00" });
    expect(past).toMatchObject({ ok: false, reason: expect.stringContaining("past") });
  });

  it("at a time outside the window is an emergency starting then", () => {
    const choice = choose({ kind: "at", text: "tomorrow 14:00" });
    expect(choice).toMatchObject({ ok: true, emergency: true });
    if (choice.ok) expect(choice.runWindow.start.toISOString()).toBe("2026-11-27T13:00:00.000Z");
  });
});
