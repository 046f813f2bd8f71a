import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../../src/config/config-error.js";
import { parseInventory } from "../../../src/config/parse-inventory.js";
import { DEFAULT_DRAIN_POLICY } from "../../../src/domain/drain-policy.js";
import { DEFAULT_ROLLOUT_POLICY } from "../../../src/domain/rollout.js";
import { describeIssues, issuesOf, KEYS, oneHost, VALID_INVENTORY } from "./inventory-text.js";

describe("parseInventory: a valid file", () => {
  const inventory = parseInventory(VALID_INVENTORY, "/etc/kcm-chatops/inventory.yml");

  it("applies defaults to the hosts that leave fields out, and keeps what a host sets", () => {
    expect(inventory.hosts).toEqual([
      {
        name: "web1",
        address: "10.0.0.1",
        port: 22,
        user: "kcm",
        privateKeyPath: "/keys/id_ed25519",
        hostKey: KEYS.a,
        layout: "auto",
        window: "nightly",
        privilege: "helper",
        helperPath: "/usr/local/libexec/kcm-chatops/kcm-host",
        guacdPort: 4822,
        drain: DEFAULT_DRAIN_POLICY,
        groups: ["web"],
      },
      {
        name: "web2",
        address: "web2.example.internal",
        port: 22,
        user: "kcm",
        privateKeyPath: "/keys/id_ed25519",
        hostKey: KEYS.b,
        layout: "auto",
        // Its group eu.dmz sets a window, which wins over defaults.window.
        window: "weekend",
        health: { webUrl: "https://web2.example.internal/", guacdPort: 4822 },
        privilege: "helper",
        helperPath: "/opt/kcm-chatops/kcm-host",
        guacdPort: 4822,
        drain: DEFAULT_DRAIN_POLICY,
        groups: ["web", "eu.dmz"],
      },
      {
        name: "legacy",
        address: "fd00::10",
        port: 2222,
        user: "root",
        privateKeyPath: "/keys/legacy",
        hostKey: KEYS.c,
        layout: "tomcat",
        window: "weekend",
        privilege: "direct-sudo",
        helperPath: "/usr/local/libexec/kcm-chatops/kcm-host",
        guacdPort: 4822,
        drain: DEFAULT_DRAIN_POLICY,
        groups: ["eu.dmz"],
      },
    ]);
    expect(inventory.source).toBe("/etc/kcm-chatops/inventory.yml");
  });

  it("keeps groups in both spellings and windows by name; an unquoted 02:00 stays a time", () => {
    expect([...inventory.groups]).toEqual([
      ["web", { hosts: ["web1", "web2"], rollout: DEFAULT_ROLLOUT_POLICY }],
      ["eu.dmz", { hosts: ["legacy", "web2"], window: "weekend", rollout: DEFAULT_ROLLOUT_POLICY }],
    ]);
    expect(inventory.windows.get("nightly")).toEqual({
      timeZone: "Europe/Berlin",
      days: ["mon", "tue", "wed", "thu", "fri"],
      start: "02:00",
      durationMinutes: 60,
    });
    expect([...inventory.windows.keys()]).toEqual(["nightly", "weekend"]);
  });

  it("leaves window out when nothing sets one, and allows empty optional sections", () => {
    const bare = parseInventory(
      `defaults:\ngroups:\nwindows:\n${oneHost(`    hostKey: ${KEYS.a}\n`)}`,
      "x",
    );
    expect(bare.hosts[0]).not.toHaveProperty("window");
    expect(bare.groups.size).toBe(0);
    expect(bare.windows.size).toBe(0);
  });

  it("parses the shipped inventory.example.yml", async () => {
    const file = new URL("../../../inventory.example.yml", import.meta.url);
    const example = parseInventory(await readFile(file, "utf8"), "inventory.example.yml");
    expect(example.hosts.map((host) => [host.name, host.layout])).toEqual([
      ["web1", "standalone"],
      ["web2", "standalone"],
      ["legacy.dmz", "tomcat"],
    ]);
    expect(example.groups.size).toBeGreaterThan(0);
    expect([...example.windows.values()].map((window) => window.timeZone)).toContain(
      "Europe/Berlin",
    );
  });
});

describe("parseInventory: a file with mistakes", () => {
  it("reports every mistake together, by path and line, in file order", () => {
    const text = `defaults:
  port: "22"
  layot: auto
windows:
  nightly:
    timeZone: Mars/Olympus
    days: []
    start: "24:00"
    durationMinutes: 0
hosts:
  - name: web1
    address: 10.0.0.1
    hostKey: SHA256:abc
    window: nigthly
  - name: Web_2
    address: 999.1.1.1
    hostkey: ${KEYS.b}
    user: kcm
    privateKey: /k
  - name: web1
    address: 10.0.0.2
    user: kcm
    privateKey: keys/id
    hostKey: ${KEYS.c}
    health: { webUrl: "ftp://x", guacdPort: 70000 }
groups:
  all: [web1]
  web: [web1, web3]
`;
    const error = (() => {
      try {
        parseInventory(text, "fleet.yml");
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ConfigError);
    if (!(error instanceof ConfigError)) return;
    expect(error.code).toBe("invalid-inventory");
    expect(error.source).toBe("fleet.yml");
    expect(error.issues.map((issue) => [issue.line, issue.path])).toEqual([
      [2, "defaults.port"],
      [3, "defaults.layot"],
      [6, "windows.nightly.timeZone"],
      [7, "windows.nightly.days"],
      [8, "windows.nightly.start"],
      [9, "windows.nightly.durationMinutes"],
      [11, "hosts[0].user"],
      [11, "hosts[0].privateKey"],
      [13, "hosts[0].hostKey"],
      [14, "hosts[0].window"],
      [15, "hosts[1].name"],
      [15, "hosts[1].hostKey"],
      [16, "hosts[1].address"],
      [17, "hosts[1].hostkey"],
      [20, "hosts[2].name"],
      [23, "hosts[2].privateKey"],
      [25, "hosts[2].health.webUrl"],
      [25, "hosts[2].health.guacdPort"],
      [27, "groups.all"],
      [28, "groups.web[1]"],
    ]);
    const lines = error.message.split("\n");
    expect(lines[0]).toBe("The inventory fleet.yml is invalid (20 problems); nothing was loaded:");
    expect(lines).toContain(
      '  hosts[0].window: unknown window "nigthly"; did you mean "nightly"? (line 14)',
    );
    expect(lines).toContain('  hosts[1].hostkey: unknown key; did you mean "hostKey"? (line 17)');
    expect(lines).toContain(
      '  hosts[2].name: duplicate host name "web1" (also hosts[0]) (line 20)',
    );
    expect(lines).toContain('  groups.web[1]: unknown host "web3"; did you mean "web1"? (line 28)');
    expect(lines).toHaveLength(21);
  });

  it("reports YAML syntax errors with line and column, and nothing else", () => {
    const issues = issuesOf("hosts:\n  - name: web1\n    address: [10.0.0.1\n");
    expect(issues.length).toBeGreaterThan(0);
    expect(issues[0]?.path).toMatch(/^line \d+, column \d+$/);
    expect(issues.map((issue) => issue.path)).toContain("line 4, column 1");
  });

  it("refuses a duplicate key, an unknown tag and a second document as syntax problems", () => {
    expect(issuesOf(`hosts: []\nhosts: []\n`)).toEqual([
      { path: "line 2, column 1", message: "Map keys must be unique" },
    ]);
    expect(issuesOf(`hosts: !shell ls\n`)[0]?.message).toMatch(/Unresolved tag: !shell/);
    expect(issuesOf(`hosts: []\n---\nhosts: []\n`)[0]?.message).toMatch(/multiple documents/);
  });

  it("refuses an empty file, a file that is not a mapping, and an alias bomb", () => {
    expect(describeIssues("")).toEqual([
      "(file): the file is empty; expected at least a hosts: list",
    ]);
    expect(describeIssues("- web1\n")).toEqual(["(file): expected a mapping, got a list"]);
    const bomb = [
      "a: &a [x, x]",
      ...Array.from({ length: 12 }, (_, i) => {
        const previous = i === 0 ? "a" : `l${i - 1}`;
        return `l${i}: &l${i} [*${previous}, *${previous}, *${previous}]`;
      }),
    ].join("\n");
    expect(issuesOf(bomb)[0]?.path).toBe("(file)");
  });

  it("requires hosts, with at least one, and a hostKey on each", () => {
    expect(describeIssues("groups: {}\n")).toEqual(["hosts: required"]);
    expect(describeIssues("hosts: []\n")).toEqual(["hosts: expected at least one host"]);
    expect(describeIssues(oneHost(""))).toEqual(["hosts[0].hostKey: required"]);
  });

  it("refuses a rollout policy that cannot run, naming the field", () => {
    const text = `${oneHost(`    hostKey: ${KEYS.a}\n`)}defaults:\n  rollout: { canary: -1 }\ngroups:\n  web: { hosts: [web1], rollout: { maxParallel: 0, onFailure: maybe } }\n`;
    expect(describeIssues(text)).toEqual([
      "defaults.rollout.canary: expected a whole number from 0 to 1000",
      "groups.web.rollout.maxParallel: expected a whole number from 1 to 1000",
      'groups.web.rollout.onFailure: expected "stop" or "continue"',
    ]);
  });

  it("takes a group's rollout over defaults.rollout over 1, 1, stop; all and lists get the defaults", () => {
    const text = `${oneHost(`    hostKey: ${KEYS.a}\n`)}defaults:\n  rollout: { maxParallel: 4 }\ngroups:\n  web: { hosts: [web1], rollout: { canary: 2, onFailure: continue } }\n  plain: [web1]\n`;
    const inventory = parseInventory(text, "t.yml");
    expect(inventory.groups.get("web")?.rollout).toEqual({
      canary: 2,
      maxParallel: 4,
      onFailure: "continue",
    });
    expect(inventory.groups.get("plain")?.rollout).toEqual({
      canary: 1,
      maxParallel: 4,
      onFailure: "stop",
    });
    expect(inventory.rollout).toEqual({ canary: 1, maxParallel: 4, onFailure: "stop" });
  });

  it("refuses a drain that cannot run, naming the field and the keys it knows", () => {
    const text = `${oneHost(`    hostKey: ${KEYS.a}\n    drain: { waitMinutes: -1, onTimeout: wait }\n`)}defaults:\n  drain: { onTimeout: abort }\ngroups:\n  web: { hosts: [web1], drain: { waitMinutes: 5, pollSecond: 5 } }\n`;
    expect(describeIssues(text)).toEqual([
      "hosts[0].drain.waitMinutes: expected a number of minutes from 0 to 1440",
      'hosts[0].drain.onTimeout: expected "proceed" or "abort"',
      "defaults.drain.waitMinutes: required",
      'groups.web.drain.pollSecond: unknown key; did you mean "pollSeconds"?',
    ]);
  });

  it("takes a host's drain over its group's over defaults.drain, field by field; and a group's guacdPort", () => {
    const hosts = [
      `hosts:`,
      `  - { name: web1, address: 10.0.0.1, user: kcm, privateKey: /k, hostKey: ${KEYS.a}, drain: { waitMinutes: 0.5 } }`,
      `  - { name: web2, address: 10.0.0.2, user: kcm, privateKey: /k, hostKey: ${KEYS.b} }`,
      `  - { name: web3, address: 10.0.0.3, user: kcm, privateKey: /k, hostKey: ${KEYS.c}, guacdPort: 4000 }`,
    ].join("\n");
    const text = `${hosts}\ndefaults:\n  drain: { waitMinutes: 10, onTimeout: abort }\ngroups:\n  web: { hosts: [web1, web2, web3], guacdPort: 4823, drain: { waitMinutes: 30, pollSeconds: 60 } }\n`;
    const inventory = parseInventory(text, "t.yml");
    const of = (name: string) => inventory.hosts.find((h) => h.name === name);
    expect(of("web1")?.drain).toEqual({ waitMinutes: 0.5, onTimeout: "abort", pollSeconds: 60 });
    expect(of("web2")?.drain).toEqual({ waitMinutes: 30, onTimeout: "abort", pollSeconds: 60 });
    expect(of("web2")?.guacdPort).toBe(4823);
    expect(of("web3")?.guacdPort).toBe(4000);
  });

  it("refuses groups that disagree on a host's drain or guacdPort, unless the host sets its own", () => {
    const text = `${oneHost(`    hostKey: ${KEYS.a}\n`)}groups:\n  a: { hosts: [web1], guacdPort: 4823, drain: { waitMinutes: 5 } }\n  b: { hosts: [web1], guacdPort: 4824, drain: { waitMinutes: 5 } }\n  c: { hosts: [web1], drain: { waitMinutes: 9 } }\n`;
    expect(describeIssues(text)).toEqual([
      'hosts[0].guacdPort: its groups disagree on guacdPort ("a" gives 4823, "b" gives 4824); set guacdPort on the host',
      'hosts[0].drain: its groups disagree on drain ("a" gives {"waitMinutes":5}, "b" gives {"waitMinutes":5}, "c" gives {"waitMinutes":9}); set drain on the host',
    ]);
    const own = text.replace(
      "    hostKey:",
      "    guacdPort: 4822\n    drain: { waitMinutes: 1 }\n    hostKey:",
    );
    expect(parseInventory(own, "t.yml").hosts[0]?.drain.waitMinutes).toBe(1);
  });

  it("refuses a schedule that cannot run: a bad cron expression, an unknown zone, a stray key", () => {
    const text = `${oneHost(`    hostKey: ${KEYS.a}\n`)}schedule:\n  check: "61 * * * *"\n  timeZone: Mars/Olympus\n  every: 5\n`;
    expect(describeIssues(text)).toEqual([
      'schedule.check: expected a cron expression such as "0 8 * * mon-fri" (Constraint error, got value 61 expected range 0-59)',
      'schedule.timeZone: expected an IANA time zone such as "Europe/Berlin"',
      "schedule.every: unknown key (expected one of check, timeZone)",
    ]);
  });

  it("takes a schedule, in UTC unless it says otherwise", () => {
    const text = `${oneHost(`    hostKey: ${KEYS.a}\n`)}schedule:\n  check: "0 8 * * mon-fri"\n`;
    expect(parseInventory(text, "t.yml").schedule).toEqual({
      check: "0 8 * * mon-fri",
      timeZone: "UTC",
    });
  });

  it("names a group's form when it is neither a list nor a mapping", () => {
    const text = `${oneHost(`    hostKey: ${KEYS.a}\n`)}groups:\n  web: web1\n  dmz: { hosts: [web1], windw: x }\n`;
    expect(describeIssues(text)).toEqual([
      "groups.web: expected a list of hosts, or a mapping with hosts: and any of window:, rollout:, guacdPort:, drain:",
      'groups.dmz.windw: unknown key; did you mean "window"?',
    ]);
  });
});
