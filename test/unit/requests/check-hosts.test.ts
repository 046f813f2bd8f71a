import { describe, expect, it } from "vitest";
import { type CheckDeps, checkHosts } from "../../../src/requests/check-hosts.js";
import { MemoryChat, MemoryFleetView, MemoryHostLocks } from "../../support/in-memory-ports.js";
import {
  pendingCheck,
  pendingChecker,
  RESPONSE_URL,
  SAMPLE_INVENTORY,
  sampleCheckInput,
  T0,
} from "../../support/sample-fleet.js";

function setup() {
  const ports = {
    checker: pendingChecker(),
    locks: new MemoryHostLocks(),
    chat: new MemoryChat(),
    fleet: new MemoryFleetView(),
  };
  const deps: CheckDeps = { ...ports, inventory: SAMPLE_INVENTORY, now: () => T0 };
  return { deps, ...ports };
}

/** `/kcm check <target>`. */
const command = (target: string) => sampleCheckInput({ target });

describe("checkHosts", () => {
  it("checks a group's hosts and posts one summary, in inventory order", async () => {
    const { deps, checker, chat, fleet } = setup();

    expect(await checkHosts(deps, command("web"))).toBe(2);
    // What the App Home shows of them, kept.
    expect(fleet.recorded.map((r) => r.checks.map((c) => c.host))).toEqual([["web1", "web2"]]);

    expect(checker.calls).toEqual([["web1", "web2"]]);
    expect(chat.checks).toEqual([
      { input: command("web"), checks: [pendingCheck("web1"), pendingCheck("web2")] },
    ]);
    expect(chat.told).toEqual([]);
  });

  it("keeps inventory order when the checks come back in another", async () => {
    const { deps, chat } = setup();
    deps.checker = {
      checkMany: async (hosts) => hosts.map((h) => pendingCheck(h.name)).reverse(),
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
      pendingCheck("web1"),
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
      pendingCheck("lab1"),
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
