import { describe, expect, it } from "vitest";
import { parseInventory } from "../../../src/config/parse-inventory.js";
import { resolveTarget } from "../../../src/config/resolve-target.js";
import { VALID_INVENTORY } from "./inventory-text.js";

const inventory = parseInventory(VALID_INVENTORY, "test.yml");
const names = (target: string) => {
  const resolution = resolveTarget(inventory, target);
  return resolution.kind === "hosts" ? resolution.hosts.map((host) => host.name) : resolution;
};

describe("resolveTarget", () => {
  it("resolves all to every host, in inventory order", () => {
    const resolution = resolveTarget(inventory, "all");
    expect(resolution).toMatchObject({ kind: "hosts", label: "all" });
    expect(names("all")).toEqual(["web1", "web2", "legacy"]);
  });

  it("resolves a group to its hosts in inventory order, not the group's order", () => {
    // eu.dmz lists [legacy, web2]; the inventory has web2 before legacy.
    expect(names("eu.dmz")).toEqual(["web2", "legacy"]);
    expect(resolveTarget(inventory, "web")).toMatchObject({ kind: "hosts", label: "web" });
  });

  it("resolves a host to itself, the inventory's own record", () => {
    const resolution = resolveTarget(inventory, "legacy");
    expect(resolution).toEqual({
      kind: "hosts",
      of: "host",
      hosts: [inventory.hosts[2]],
      label: "legacy",
    });
  });

  it("ignores surrounding spaces and letter case", () => {
    expect(names("  WEB1 ")).toEqual(["web1"]);
    expect(names("All")).toEqual(["web1", "web2", "legacy"]);
  });

  it("reports an unknown name with the nearest names", () => {
    expect(resolveTarget(inventory, "web3")).toEqual({
      kind: "unknown",
      target: "web3",
      suggestions: ["web", "web1", "web2"],
    });
    expect(resolveTarget(inventory, "legasy")).toEqual({
      kind: "unknown",
      target: "legasy",
      suggestions: ["legacy"],
    });
    expect(resolveTarget(inventory, "database")).toEqual({
      kind: "unknown",
      target: "database",
      suggestions: [],
    });
  });

  it("resolves a list of hosts in the order given, each once", () => {
    const resolution = resolveTarget(inventory, "web2,legacy,web2");
    expect(resolution).toMatchObject({ kind: "hosts", of: "list", label: "web2,legacy" });
    expect(resolution.kind === "hosts" && resolution.hosts.map((h) => h.name)).toEqual([
      "web2",
      "legacy",
    ]);
  });

  it("refuses a list with an unknown host, suggesting the nearest host names", () => {
    expect(resolveTarget(inventory, "web1,wbe2")).toEqual({
      kind: "unknown",
      target: "wbe2",
      suggestions: ["web2", "web1"],
    });
  });

  it("refuses a list that names a group: a list names hosts only", () => {
    expect(resolveTarget(inventory, "web1,web")).toMatchObject({
      kind: "invalid",
      reason: "A list names hosts only: `web` is a group; ask for it on its own.",
    });
  });

  it.each([
    "web1; rm -rf /",
    "$(id)",
    "`id`",
    "web1 && reboot",
    "web1|sh",
    "../../etc/passwd",
    "web1\nall",
    "<@U123>",
    "*",
    "wéb1",
    "-web1",
  ])("refuses %j as invalid, without suggestions", (target) => {
    const resolution = resolveTarget(inventory, target);
    expect(resolution).toEqual({
      kind: "invalid",
      target,
      reason:
        'Host and group names use only lowercase letters, digits, "." and "-", and start with a letter or digit.',
    });
  });

  it("refuses an over-long target before looking at it, and cuts it in the answer", () => {
    const target = `web1${"a".repeat(296)}`;
    const resolution = resolveTarget(inventory, target);
    expect(resolution.kind).toBe("invalid");
    if (resolution.kind !== "invalid") return;
    expect(resolution.reason).toBe("A host or group name has at most 63 characters.");
    expect(resolution.target).toHaveLength(64);
    expect(resolution.target.endsWith("…")).toBe(true);
    expect(resolveTarget(inventory, "x".repeat(64)).kind).toBe("invalid");
    expect(resolveTarget(inventory, "x".repeat(63)).kind).toBe("unknown");
  });

  it("refuses an empty target", () => {
    expect(resolveTarget(inventory, "   ")).toMatchObject({ kind: "invalid", target: "" });
  });

  it("hands out a copy for all, so a caller cannot change the inventory", () => {
    const resolution = resolveTarget(inventory, "all");
    if (resolution.kind === "hosts") resolution.hosts.pop();
    expect(inventory.hosts).toHaveLength(3);
  });
});
