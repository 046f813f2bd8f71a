import {
  formatWindow,
  nextWindow,
  parseAtTime,
  type WeeklyWindow,
  type WindowInstance,
  windowAt,
} from "./maintenance-window.js";
import type { WhenSpec } from "./parse-kcm-command.js";

/** How long an emergency slot stays open after its start, beyond the approval's expiry. */
const EMERGENCY_SLOT_MINUTES = 60;

/** When a request's job may start its downtime, and whether that needs an emergency confirmation. */
export type RunWindowChoice =
  | { ok: true; runWindow: WindowInstance; emergency: boolean; label: string }
  | { ok: false; reason: string };

/**
 * Turns `now`, `next-window` or `at ‹time›` into the window the job must
 * start its downtime in. `next-window` is the host's window open now or
 * next. `now` inside the host's window runs in it; outside it (or with no
 * window) it is an emergency that the approver must confirm, with a slot
 * that stays open until an hour after the approval could last arrive. `at`
 * is the same as `now` at that time. Pure: `now` is a parameter.
 */
export function chooseRunWindow(
  when: WhenSpec,
  window: WeeklyWindow | undefined,
  now: Date,
  expiryMinutes: number,
): RunWindowChoice {
  const zone = window?.timeZone ?? "UTC";
  if (when.kind === "next-window") {
    if (!window) {
      return {
        ok: false,
        reason:
          "this host has no maintenance window in the inventory; ask for `now` (an emergency, confirmed by the approver) or `at ‹time›`",
      };
    }
    const instance = nextWindow(window, now);
    return {
      ok: true,
      runWindow: instance,
      emergency: false,
      label: `in its window, ${formatWindow(instance, zone)}`,
    };
  }
  let start = now;
  if (when.kind === "at") {
    const at = parseAtTime(when.text, zone, now);
    if (!at.ok) return { ok: false, reason: at.reason };
    start = at.at;
  }
  const open = window ? windowAt(window, start) : undefined;
  if (open) {
    return {
      ok: true,
      runWindow: { start, end: open.end },
      emergency: false,
      label: `${when.kind === "now" ? "now" : "at the requested time"}, inside its window ${formatWindow(open, zone)}`,
    };
  }
  const slotEnd =
    Math.max(start.getTime(), now.getTime() + expiryMinutes * 60_000) +
    EMERGENCY_SLOT_MINUTES * 60_000;
  const slot = { start, end: new Date(slotEnd) };
  return {
    ok: true,
    runWindow: slot,
    emergency: true,
    label: `EMERGENCY, outside ${window ? "its maintenance window" : "any maintenance window"}: ${formatWindow(slot, zone)}`,
  };
}
