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
