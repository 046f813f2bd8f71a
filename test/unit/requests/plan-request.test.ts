import { describe, expect, it } from "vitest";
import type { LastUpgrade } from "../../../src/domain/last-upgrade.js";
import { REQUEST_ID } from "../../../src/domain/request-id.js";
import { makeRollbackPlan } from "../../../src/domain/upgrade-plan.js";
import type { HostCheck } from "../../../src/kcm/host-check.js";
import { type PlanDeps, type PlanResult, planRequest } from "../../../src/requests/plan-request.js";
import type { PlanInput } from "../../../src/requests/ports.js";
import {
  MemoryAudit,
  MemoryChat,
  MemoryRequests,
  MemoryTaskQueue,
  MemoryUpgradeRecords,
} from "../../support/in-memory-ports.js";
import {
  ALICE,
  CHANNEL,
  samplePlanInput as command,
  GUACD_CHANGE,
  pendingCheck,
  pendingChecker,
  RESPONSE_URL,
  SAMPLE_INVENTORY,
  SAMPLE_POLICY,
  samplePlan,
  T0,
} from "../../support/sample-fleet.js";

function setup(now = T0) {
  const ports = {
    requests: new MemoryRequests(),
    chat: new MemoryChat(),
    tasks: new MemoryTaskQueue(),
    checker: pendingChecker(),
    upgrades: new MemoryUpgradeRecords(),
    audit: new MemoryAudit(),
  };
  const deps: PlanDeps = {
    ...ports,
    inventory: SAMPLE_INVENTORY,
    policy: SAMPLE_POLICY,
    now: () => now,
  };
  return { deps, ...ports };
}

/** The id of the request a result says was made; fails the test on any other result. */
function requestedId(result: PlanResult): string {
  if (result.kind !== "requested") throw new Error(`not requested: ${JSON.stringify(result)}`);
  return result.requestId;
}

/** The last upgrade of web1 on record: kcm-guacd 2.23.1 → 2.24.1 in yum transaction 42. */
const LAST_UPGRADE: LastUpgrade = {
  requestId: "r-earlier1",
  transactionId: 42,
  changes: [GUACD_CHANGE],
};

describe("planRequest: a request made", () => {
  it("stores the host's fresh plan for its next window, posts it, audits it and sets its expiry", async () => {
    const { deps, requests, chat, tasks, checker, audit } = setup();

    const result = await planRequest(deps, command());

    expect(result).toEqual({ kind: "requested", requestId: expect.stringMatching(REQUEST_ID) });
    const id = requestedId(result);
    const plan = samplePlan("web1");
    const request = requests.byId.get(id);
    expect(request).toEqual({
      id,
      kind: "upgrade",
      host: "web1",
      plan,
      requestedBy: ALICE,
      channel: CHANNEL,
      createdAt: "2026-11-26T12:00:00.000Z",
      expiresAt: "2026-11-26T13:00:00.000Z",
      when: { kind: "next-window" },
      // 02:00–05:00 Berlin on Friday 27 Nov.
      runWindow: { start: "2026-11-27T01:00:00.000Z", end: "2026-11-27T04:00:00.000Z" },
      emergency: false,
      state: "pending",
      history: [{ at: "2026-11-26T12:00:00.000Z", by: ALICE, action: "requested" }],
    });
    expect(requests.byId.size).toBe(1);
    expect(checker.calls).toEqual([["web1"]]);
    expect(chat.requests).toEqual([request]);
    expect(chat.told).toEqual([]);
    expect(audit.entries).toEqual([
      {
        requestId: id,
        host: "web1",
        who: ALICE,
        what: "upgrade-requested",
        detail: `plan ${plan.hash}; runs 2026-11-27T01:00:00.000Z to 2026-11-27T04:00:00.000Z`,
        once: `${id}:requested`,
      },
    ]);
    expect(tasks.expiries).toEqual([{ requestId: id, at: new Date("2026-11-26T13:00:00.000Z") }]);
  });

  it("makes `now` outside any window an emergency, with a slot an hour past the expiry", async () => {
    const { deps, requests, audit } = setup();

    const result = await planRequest(deps, command({ host: "lab1", when: { kind: "now" } }));

    const request = requests.byId.get(requestedId(result));
    expect(request?.emergency).toBe(true);
    expect(request?.runWindow).toEqual({
      start: "2026-11-26T12:00:00.000Z",
      end: "2026-11-26T14:00:00.000Z",
    });
    expect(audit.entries.map((e) => e.detail)).toEqual([
      `plan ${request?.plan.hash}; runs 2026-11-26T12:00:00.000Z to 2026-11-26T14:00:00.000Z (emergency)`,
    ]);
  });

  it("runs `now` inside the host's window in that window, without an emergency", async () => {
    const inWindow = new Date("2026-11-27T02:00:00.000Z");
    const { deps, requests, tasks } = setup(inWindow);

    const result = await planRequest(deps, command({ when: { kind: "now" } }));

    const id = requestedId(result);
    const request = requests.byId.get(id);
    expect(request?.emergency).toBe(false);
    expect(request?.runWindow).toEqual({
      start: "2026-11-27T02:00:00.000Z",
      end: "2026-11-27T04:00:00.000Z",
    });
    expect(tasks.expiries).toEqual([{ requestId: id, at: new Date("2026-11-27T03:00:00.000Z") }]);
  });

  it("plans a rollback from the recorded last upgrade, backwards, without asking the host", async () => {
    const { deps, requests, chat, checker, upgrades, audit } = setup();
    upgrades.byHost.set("web1", LAST_UPGRADE);

    const result = await planRequest(deps, command({ requestKind: "rollback" }));

    const request = requests.byId.get(requestedId(result));
    expect(request?.kind).toBe("rollback");
    expect(request?.transactionId).toBe(42);
    expect(request?.plan).toEqual(makeRollbackPlan("web1", LAST_UPGRADE.changes));
    expect(request?.plan.packages.map((p) => [p.from?.version, p.to.version])).toEqual([
      ["2.24.1", "2.23.1"],
    ]);
    expect(checker.calls).toEqual([]);
    expect(chat.requests).toHaveLength(1);
    expect(audit.entries.map((e) => e.what)).toEqual(["rollback-requested"]);
  });
});

describe("planRequest: refusals tell the requester why and change nothing", () => {
  const yumLocked: HostCheck = {
    // A problem wins even when yum listed something.
    ...pendingCheck("web1"),
    problems: [
      {
        source: "yum",
        code: "yum-lock",
        summary: "another process holds yum's lock",
        evidence: ["Another app is currently holding the yum lock; waiting for it to exit..."],
      },
    ],
  };
  const cases: {
    name: string;
    input: PlanInput;
    check?: HostCheck;
    reason: string;
    text: string | RegExp;
  }[] = [
    {
      name: "an unknown host",
      input: command({ host: "web9" }),
      reason: "unknown host",
      text: "There is no host `web9` in the inventory.",
    },
    {
      name: "a rollback with no upgrade on record",
      input: command({ requestKind: "rollback" }),
      reason: "nothing to roll back",
      text: "kcm-chatops has no upgrade of `web1` on record to roll back.",
    },
    {
      name: "a host check with a problem",
      input: command(),
      check: yumLocked,
      reason: "check failed",
      text: "Cannot plan an upgrade of `web1`: another process holds yum's lock\n> Another app is currently holding the yum lock; waiting for it to exit...",
    },
    {
      name: "a host check that could not tell what is pending",
      input: command(),
      check: { host: "web1", durationMs: 30_000, problems: [] },
      reason: "check failed",
      text: "Cannot plan an upgrade of `web1`: no answer",
    },
    {
      name: "a host that is up to date",
      input: command(),
      check: {
        host: "web1",
        durationMs: 700,
        kcmVersion: "2.24.1-1.el8",
        pending: [],
        problems: [],
      },
      reason: "up to date",
      text: "`web1` is up to date (KCM 2.24.1-1.el8): nothing to approve.",
    },
    {
      name: "the next window of a host that has none",
      input: command({ host: "lab1" }),
      reason: "no window",
      text: /^Cannot schedule `lab1`: this host has no maintenance window in the inventory/,
    },
    {
      name: "a time in the past",
      input: command({ when: { kind: "at", text: "2026-11-20 02:00" } }),
      reason: "no window",
      text: /^Cannot schedule `web1`: .* is in the past/,
    },
  ];

  it.each(cases)("$name", async ({ input, check, reason, text }) => {
    const { deps, requests, chat, tasks, checker, audit } = setup();
    if (check) checker.results.set("web1", check);

    const result = await planRequest(deps, input);

    expect(result).toEqual({ kind: "refused", reason });
    const told = typeof text === "string" ? text : expect.stringMatching(text);
    expect(chat.told).toEqual([{ responseUrl: RESPONSE_URL, text: told }]);
    expect(requests.byId.size).toBe(0);
    expect(chat.requests).toEqual([]);
    expect(audit.entries).toEqual([]);
    expect(tasks.expiries).toEqual([]);
  });
});

describe("planRequest: one request per command invocation", () => {
  it("gives a retried invocation (the same trigger) the first request, posted once", async () => {
    const { deps, requests, chat, tasks, audit } = setup();

    const first = requestedId(await planRequest(deps, command()));
    const retry = await planRequest(deps, command());

    expect(retry).toEqual({ kind: "duplicate", requestId: first });
    expect([...requests.byId.keys()]).toEqual([first]);
    expect(chat.requests.map((r) => r.id)).toEqual([first]);
    expect(audit.entries).toHaveLength(1);
    expect(tasks.expiries).toHaveLength(1);
    expect(chat.told).toEqual([]);
  });

  it("a task cut short after storing its request: the redelivery posts, audits and schedules it", async () => {
    const { deps, chat, tasks, audit } = setup();
    const post = chat.requested.bind(chat);
    chat.requested = async () => {
      throw new Error("the worker died here");
    };
    await expect(planRequest(deps, command())).rejects.toThrow(/died/);
    chat.requested = post;

    const again = await planRequest(deps, command());

    if (again.kind !== "duplicate") throw new Error(`not a duplicate: ${JSON.stringify(again)}`);
    expect(chat.requests.map((r) => r.id)).toEqual([again.requestId]);
    expect(audit.entries.map((e) => e.what)).toEqual(["upgrade-requested"]);
    expect(tasks.expiries.map((e) => e.requestId)).toEqual([again.requestId]);
  });

  it("makes two requests of two invocations, even for the same host", async () => {
    const { deps, requests, chat } = setup();

    const first = await planRequest(deps, command({ triggerId: "1111.1" }));
    const second = await planRequest(deps, command({ triggerId: "2222.2" }));

    expect([first.kind, second.kind]).toEqual(["requested", "requested"]);
    expect(requests.byId.size).toBe(2);
    expect(chat.requests).toHaveLength(2);
  });
});
