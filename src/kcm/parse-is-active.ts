import type { CommandOutput } from "./command-output.js";
import { rawOutputText, readableLines } from "./host-failure.js";

/** The words `systemctl is-active` prints for a unit (systemd 219 to 25x). */
export const UNIT_ACTIVE_STATES = [
  "active",
  "reloading",
  "inactive",
  "failed",
  "activating",
  "deactivating",
  "maintenance",
  "refreshing",
  "unknown",
] as const;

/** What `systemctl is-active` said of each unit, in the order asked, or output we cannot read. */
export type IsActiveStates =
  | { kind: "states"; states: { unit: string; state: string }[] }
  | { kind: "unrecognised"; text: string };

const KNOWN: ReadonlySet<string> = new Set(UNIT_ACTIVE_STATES);

/**
 * Reads `systemctl is-active a b ...`: one state word per unit, in the order
 * the units were named. Its exit code is 0 when any unit is active and 3
 * otherwise, so it says little; the lines are what count, and they must be
 * exactly one known word per unit. Never throws.
 */
export function parseIsActive(output: CommandOutput, units: readonly string[]): IsActiveStates {
  const words = readableLines(output.stdout)
    .map((line) => line.trim())
    .filter((line) => line !== "");
  if (words.length !== units.length || words.length === 0 || !words.every((w) => KNOWN.has(w))) {
    return { kind: "unrecognised", text: rawOutputText(output) };
  }
  return {
    kind: "states",
    states: units.map((unit, i) => ({ unit, state: words[i] ?? "unknown" })),
  };
}
