import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { detectLayout, resolveLayout } from "../../../src/kcm/detect-layout.js";
import { parseUnitStates, type UnitState } from "../../../src/kcm/parse-unit-states.js";
import { fixtureOutput } from "../../fixtures/kcm/load-fixture.js";

function unitsOf(name: string): UnitState[] {
  const result = parseUnitStates(fixtureOutput(name));
  if (result.kind !== "units") throw new Error(`${name}: ${result.kind}`);
  return result.units;
}

const loaded = (unit: string, activeState = "active"): UnitState => ({
  unit,
  loadState: "loaded",
  activeState,
});
const notFound = (unit: string): UnitState => ({
  unit,
  loadState: "not-found",
  activeState: "inactive",
});

describe("detectLayout", () => {
  it.each([
    ["systemctl/show-units-standalone-active", "standalone"],
    ["systemctl/show-units-standalone-stopped", "standalone"],
    ["systemctl/show-units-standalone-guacamole-failed", "standalone"],
    ["systemctl/show-units-tomcat-active", "tomcat"],
  ])("finds the layout of %s: %s (loaded counts, not active)", (name, layout) => {
    expect(detectLayout(unitsOf(name))).toEqual({ kind: "detected", layout });
  });

  it("prefers the standalone guacamole unit when tomcat is loaded too", () => {
    const units = [loaded("tomcat"), loaded("guacamole"), loaded("guacd")];
    expect(detectLayout(units)).toEqual({ kind: "detected", layout: "standalone" });
  });

  it("takes tomcat when guacamole is masked", () => {
    const masked = { unit: "guacamole", loadState: "masked", activeState: "inactive" };
    expect(detectLayout([masked, loaded("tomcat"), loaded("guacd")])).toEqual({
      kind: "detected",
      layout: "tomcat",
    });
  });

  it("names a missing guacd", () => {
    const result = detectLayout([loaded("guacamole"), notFound("tomcat"), notFound("guacd")]);
    expect(result).toEqual({
      kind: "unknown",
      reason: "guacd.service is not loaded (LoadState=not-found): is kcm-guacd installed?",
    });
  });

  it("names both web units when neither is loaded", () => {
    const result = detectLayout([notFound("guacamole"), notFound("tomcat"), loaded("guacd")]);
    expect(result).toEqual({
      kind: "unknown",
      reason:
        "neither guacamole.service (LoadState=not-found) nor tomcat.service (LoadState=not-found) is loaded, so there is no web application unit to stop and start",
    });
  });

  it("says when systemctl did not list a unit at all", () => {
    const result = detectLayout([]);
    expect(result.kind === "unknown" && result.reason).toBe(
      "guacd.service is not loaded (not listed by systemctl): is kcm-guacd installed?; neither guacamole.service (not listed by systemctl) nor tomcat.service (not listed by systemctl) is loaded, so there is no web application unit to stop and start",
    );
  });

  it("detects a layout exactly when guacd and a web unit are loaded", () => {
    const arbitraryUnit = fc.record({
      unit: fc.constantFrom("guacamole", "tomcat", "guacd", "httpd", ""),
      loadState: fc.constantFrom("loaded", "not-found", "masked", "bad-setting", "error"),
      activeState: fc.constantFrom("active", "inactive", "failed", "activating"),
    });
    fc.assert(
      fc.property(fc.array(arbitraryUnit, { maxLength: 6 }), (units) => {
        const isLoaded = (name: string) =>
          units.some((u) => u.unit === name && u.loadState === "loaded");
        const result = detectLayout(units);
        if (!isLoaded("guacd") || !(isLoaded("guacamole") || isLoaded("tomcat"))) {
          expect(result.kind).toBe("unknown");
        } else {
          expect(result).toEqual({
            kind: "detected",
            layout: isLoaded("guacamole") ? "standalone" : "tomcat",
          });
        }
      }),
    );
  });
});

describe("resolveLayout: the one rule of check, doctor and the runbook", () => {
  const standalone = () => unitsOf("systemctl/show-units-standalone-active");

  it("auto takes what the units say; a pin that agrees is taken, and says it was pinned", () => {
    expect(resolveLayout("auto", standalone())).toEqual({
      kind: "detected",
      layout: "standalone",
      pinned: false,
    });
    expect(resolveLayout("standalone", standalone())).toEqual({
      kind: "detected",
      layout: "standalone",
      pinned: true,
    });
  });

  it("a pin the host disagrees with wins, and one sentence names both layouts", () => {
    expect(resolveLayout("tomcat", standalone())).toEqual({
      kind: "mismatch",
      layout: "tomcat",
      detected: "standalone",
      sentence:
        "the inventory pins the tomcat layout (tomcat and guacd), but the host has the units of the standalone layout (guacamole and guacd)",
    });
  });

  it("units that say nothing: the pin if there is one, and why", () => {
    const none = [notFound("guacd"), notFound("guacamole"), notFound("tomcat")];
    expect(resolveLayout("auto", none)).toMatchObject({ kind: "unknown", layout: undefined });
    const pinned = resolveLayout("tomcat", none);
    expect(pinned).toMatchObject({ kind: "unknown", layout: "tomcat" });
    if (pinned.kind === "unknown") expect(pinned.reason).toMatch(/guacd\.service is not loaded/);
  });
});
