import { describe, expect, it } from "vitest";
import { checkInventory } from "../../../src/config/check-inventory.js";

const host = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  address: `${name}.example.internal`,
  user: "kcm",
  privateKey: "/k",
  ...extra,
});

describe("checkInventory", () => {
  it("finds nothing wrong in a consistent file", () => {
    expect(
      checkInventory({
        windows: { nightly: {} },
        hosts: [host("web1"), host("web2", { window: "nightly" })],
        groups: { web: ["web1", "web2"], dmz: { hosts: ["web1"], window: "nightly" } },
      }),
    ).toEqual([]);
  });

  it("reports a duplicate host name at the later entry", () => {
    expect(
      checkInventory({
        hosts: [host("web1"), host("web2"), host("web1", { address: "10.0.0.3" })],
      }),
    ).toEqual([
      { path: ["hosts", 2, "name"], message: 'duplicate host name "web1" (also hosts[0])' },
    ]);
  });

  it("reports user and privateKey only when neither the host nor defaults gives them", () => {
    const hosts = [{ name: "a", address: "a" }, host("b")];
    expect(checkInventory({ hosts }).map((issue) => issue.path)).toEqual([
      ["hosts", 0, "user"],
      ["hosts", 0, "privateKey"],
    ]);
    expect(checkInventory({ defaults: { user: "kcm", privateKey: "/k" }, hosts })).toEqual([]);
  });

  it("reports a group named like a host, a member that is a group, unknown and repeated members", () => {
    const issues = checkInventory({
      hosts: [host("web1"), host("web2")],
      groups: {
        web1: ["web2"],
        web: { hosts: ["web1", "wbe2", "web1", "web1x", "dmz"] },
        dmz: ["web1"],
      },
    });
    expect(issues).toEqual([
      {
        path: ["groups", "web1"],
        message: '"web1" is also a host name; hosts and groups share one namespace',
      },
      { path: ["groups", "web", "hosts", 1], message: 'unknown host "wbe2"; did you mean "web2"?' },
      { path: ["groups", "web", "hosts", 2], message: '"web1" is listed twice' },
      {
        path: ["groups", "web", "hosts", 3],
        message: 'unknown host "web1x"; did you mean "web1"?',
      },
      {
        path: ["groups", "web", "hosts", 4],
        message: '"dmz" is a group; a group lists hosts only',
      },
    ]);
  });

  it("gives no suggestion for a member far from every host name", () => {
    const issues = checkInventory({ hosts: [host("web1")], groups: { web: ["database-primary"] } });
    expect(issues).toEqual([
      { path: ["groups", "web", 0], message: 'unknown host "database-primary"' },
    ]);
  });

  it("checks group and window names: the name rule, and all reserved for groups", () => {
    const issues = checkInventory({
      windows: { "Late Night": {}, all: {} },
      hosts: [host("web1")],
      groups: { all: ["web1"], "-web": ["web1"], ok: ["web1"] },
    });
    expect(issues.map((issue) => issue.path)).toEqual([
      ["windows", "Late Night"],
      ["groups", "all"],
      ["groups", "-web"],
    ]);
    expect(issues[1]?.message).toBe('"all" is reserved: it means every host');
  });

  it("reports every reference to an unknown window: defaults, host and group", () => {
    const issues = checkInventory({
      defaults: { window: "nightly" },
      windows: { weekly: {} },
      hosts: [host("web1", { window: "weekyl" })],
      groups: { web: { hosts: ["web1"], window: "monthly" } },
    });
    expect(issues).toEqual([
      { path: ["defaults", "window"], message: 'unknown window "nightly" (windows: weekly)' },
      { path: ["hosts", 0, "window"], message: 'unknown window "weekyl"; did you mean "weekly"?' },
      { path: ["groups", "web", "window"], message: 'unknown window "monthly" (windows: weekly)' },
    ]);
    expect(checkInventory({ hosts: [host("web1", { window: "w" })] })).toEqual([
      { path: ["hosts", 0, "window"], message: 'unknown window "w" (no windows are defined)' },
    ]);
  });

  it("reports a host whose groups set different windows, unless the host sets its own", () => {
    const file = (window?: string) => ({
      windows: { a: {}, b: {} },
      hosts: [host("web1", window === undefined ? {} : { window })],
      groups: { x: { hosts: ["web1"], window: "a" }, y: { hosts: ["web1"], window: "b" } },
    });
    expect(checkInventory(file())).toEqual([
      {
        path: ["hosts", 0, "window"],
        message:
          'its groups disagree on the window ("x" gives "a", "y" gives "b"); set window on the host',
      },
    ]);
    expect(checkInventory(file("a"))).toEqual([]);
  });

  it("reports two hosts on one address and port, whatever the spelling", () => {
    const issues = checkInventory({
      defaults: { port: 2222 },
      hosts: [
        host("a", { address: "KCM.example.internal" }),
        host("b", { address: "kcm.example.internal", port: 2222 }),
        host("c", { address: "fd00:0:0::1" }),
        host("d", { address: "fd00::1" }),
        host("e", { address: "fd00::1", port: 22 }),
      ],
    });
    expect(issues).toEqual([
      {
        path: ["hosts", 1, "address"],
        message:
          "kcm.example.internal:2222 is also hosts[0]; each host needs its own address and port",
      },
      {
        path: ["hosts", 3, "address"],
        message: "[fd00::1]:2222 is also hosts[2]; each host needs its own address and port",
      },
    ]);
  });

  it("runs on a malformed file without throwing, checking what can be read", () => {
    expect(checkInventory("nonsense")).toEqual([]);
    expect(checkInventory({ hosts: "web1", groups: [1], windows: 5 })).toEqual([]);
    const issues = checkInventory({
      defaults: { user: "kcm", privateKey: "/k" },
      hosts: [5, { name: 7 }, { name: "web1", address: "a" }, { name: "web1", address: "b" }],
      groups: { web: [1, "web9"] },
    });
    expect(issues.map((issue) => issue.path)).toEqual([
      ["hosts", 3, "name"],
      ["groups", "web", 1],
    ]);
  });
});
