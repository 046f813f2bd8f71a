import type { Layout } from "./commands.js";
import type { UnitState } from "./parse-unit-states.js";

/** The host's service layout, or why it could not be told. */
export type LayoutDetection =
  | { kind: "detected"; layout: Layout }
  | { kind: "unknown"; reason: string };

/** How a unit looked: "not-found", "masked", or "not listed" when systemctl said nothing of it. */
function describe(units: readonly UnitState[], unit: string): string {
  const found = units.find((u) => u.unit === unit);
  return found ? `LoadState=${found.loadState}` : "not listed by systemctl";
}

const isLoaded = (units: readonly UnitState[], unit: string) =>
  units.some((u) => u.unit === unit && u.loadState === "loaded");

/**
 * Tells the layout from the units SHOW_UNITS described: `standalone` when
 * the `guacamole` unit is loaded (KCM 2.5 and later), else `tomcat` when a
 * `tomcat` unit is (a manual deployment, or an install from before KCM
 * 2.5); `guacd` must be loaded either way. Otherwise "unknown", with a
 * reason naming the units that are missing.
 */
export function detectLayout(units: readonly UnitState[]): LayoutDetection {
  const missing: string[] = [];
  if (!isLoaded(units, "guacd")) {
    missing.push(
      `guacd.service is not loaded (${describe(units, "guacd")}): is kcm-guacd installed?`,
    );
  }
  const web: Layout | undefined = isLoaded(units, "guacamole")
    ? "standalone"
    : isLoaded(units, "tomcat")
      ? "tomcat"
      : undefined;
  if (web === undefined) {
    missing.push(
      `neither guacamole.service (${describe(units, "guacamole")}) nor tomcat.service (${describe(units, "tomcat")}) is loaded, so there is no web application unit to stop and start`,
    );
  }
  if (web === undefined || missing.length > 0) {
    return { kind: "unknown", reason: missing.join("; ") };
  }
  return { kind: "detected", layout: web };
}

/** The layout the runbook uses on a host: the inventory's pin, or what the host's units say. */
export type LayoutResolution =
  | { kind: "detected"; layout: Layout; pinned: boolean }
  /** The pin wins (the runbook uses it), and `sentence` says how it disagrees with the host. */
  | { kind: "mismatch"; layout: Layout; detected: Layout; sentence: string }
  /** The host's units say nothing usable; `layout` is the pin, if there is one. */
  | { kind: "unknown"; layout: Layout | undefined; reason: string };

const described = (layout: Layout) =>
  `the ${layout} layout (${layout === "standalone" ? "guacamole" : "tomcat"} and guacd)`;

/**
 * The one layout rule (detected vs pinned), for `check`, `doctor` and the
 * runbook's layout step alike: `auto` takes what the units say; a pin is
 * taken as it is, and when the host's units are those of the other layout,
 * the same sentence says so everywhere.
 */
export function resolveLayout(
  pinned: "auto" | Layout,
  units: readonly UnitState[],
): LayoutResolution {
  const detected = detectLayout(units);
  if (detected.kind === "unknown") {
    return {
      kind: "unknown",
      layout: pinned === "auto" ? undefined : pinned,
      reason: detected.reason,
    };
  }
  if (pinned === "auto" || pinned === detected.layout) {
    return { kind: "detected", layout: detected.layout, pinned: pinned !== "auto" };
  }
  return {
    kind: "mismatch",
    layout: pinned,
    detected: detected.layout,
    sentence: `the inventory pins ${described(pinned)}, but the host has the units of ${described(detected.layout)}`,
  };
}
