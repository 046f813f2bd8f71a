import { describe, expect, it } from "vitest";
import type { HostCheck } from "../../../src/kcm/host-check.js";
import { type CheckDeps, checkHosts } from "../../../src/requests/check-hosts.js";
import type { CheckInput } from "../../../src/requests/ports.js";
import { MemoryChat, MemoryHostChecker, MemoryHostLocks } from "../../support/in-memory-ports.js";
import { inventory, PENDING, REQUESTER } from "./request-fixtures.js";

const RESPONSE_URL = "https://hooks.slack.test/commands/T0/2";

function setup() {
  const ports = {
    checker: new MemoryHostChecker(),
    locks: new MemoryHostLocks(),
    chat: new MemoryChat(),
  };
  for (const host of ["web1", "web2", "lab1"]) ports.checker.results.set(host, checkOf(host));
  const deps: CheckDeps = { ...ports, inventory };
  return { deps, ...ports };
}

function checkOf(host: string): HostCheck {
  return { host, durationMs: 900, kcmVersion: "2.23.1-1.el8", pending: PENDING, problems: [] };
}

const command = (target: string): CheckInput => ({
  target,
  requestedBy: REQUESTER,
  channel: "C0KCMOPS",
  triggerId: "4321.8765.bbbb",
  responseUrl: RESPONSE_URL,
});

describe("checkHosts", () => {
  it("checks a group's hosts and posts one summary, in inventory order", async () => {
    const { deps, checker, chat } = setup();

    expect(await checkHosts(deps, command("web"))).toBe(2);

    expect(checker.calls).toEqual([["web1", "web2"]]);
    expect(chat.checks).toEqual([
      { input: command("web"), checks: [checkOf("web1"), checkOf("web2")] },
    ]);
    expect(chat.told).toEqual([]);
  });

  it("keeps inventory order when the checks come back in another", async () => {
    const { deps, chat } = setup();
    deps.checker = {
      checkMany: async (hosts) => hosts.map((h) => checkOf(h.name)).reverse(),
    };

    await checkHosts(deps, command("all"));

    expect(chat.checks[0]?.checks.map((c) => c.host)).toEqual(["web1", "web2", "lab1"]);
  });

  it("does not check a host whose lock a job holds, and lists it as being upgraded", async () => {
    const { deps, checker, locks, chat } = setup();
    locks.holders.set("web2", "r-0k3j9x2a");

    expect(await checkHosts(deps, command("all"))).toBe(3);

    expect(checker.calls).toEqual([["web1", "lab1"]]);
    expect(chat.checks).toHaveLength(1);
    expect(chat.checks[0]?.checks).toEqual([
      checkOf("web1"),
      {
        host: "web2",
        durationMs: 0,
        problems: [
          {
            source: "lock",
            code: "upgrade-running",
            summary:
              "request r-0k3j9x2a is upgrading this host right now; check it again when it is done",
            evidence: [],
          },
        ],
      },
      checkOf("lab1"),
    ]);
  });

  it.each([
    ["an unknown name", "web9"],
    ["text that is no name", "web1; reboot"],
  ])("tells the person about %s, and checks and posts nothing", async (_, target) => {
    const { deps, checker, chat } = setup();

    expect(await checkHosts(deps, command(target))).toBeUndefined();

    expect(chat.told).toEqual([
      { responseUrl: RESPONSE_URL, text: `No host or group \`${target}\`.` },
    ]);
    expect(checker.calls).toEqual([]);
    expect(chat.checks).toEqual([]);
  });
});
