import { describe, expect, it } from "vitest";
import type { JobOutcome } from "../../../src/chat/runbook-event.js";
import { type AdvanceDeps, advanceRollout } from "../../../src/requests/advance-rollout.js";
import {
  cancelRequest,
  type DecideDeps,
  decideRequest,
} from "../../../src/requests/decide-request.js";
import { type PlanDeps, planRequest } from "../../../src/requests/plan-request.js";
import { prefetchAhead } from "../../../src/requests/prefetch-ahead.js";
import {
  type RecordJobDeps,
  recordJobFinished,
  recordJobStarted,
} from "../../../src/requests/record-job.js";
import {
  MemoryAudit,
  MemoryChat,
  MemoryHealthGate,
  MemoryJobQueue,
  MemoryRequests,
  MemoryRolloutRuns,
  MemoryTaskQueue,
  MemoryUpgradeRecords,
} from "../../support/in-memory-ports.js";
import {
  ALICE,
  afterT0,
  BOB,
  pendingCheck,
  pendingChecker,
  SAMPLE_INVENTORY,
  SAMPLE_POLICY,
  samplePlanInput,
  sampleRequest,
} from "../../support/sample-fleet.js";

/**
 * A fleet request's life over in-memory ports: planned once for the group,
 * approved once, then the coordinator (advanceRollout) and the hosts' jobs
 * (recordJob*) take turns, as the task queue and the workers would.
 */
function setup() {
  const clock = { minutes: 0 };
  const now = () => afterT0(clock.minutes);
  const ports = {
    requests: new MemoryRequests(),
    chat: new MemoryChat(),
    tasks: new MemoryTaskQueue(),
    jobs: new MemoryJobQueue(),
    runs: new MemoryRolloutRuns(),
    gate: new MemoryHealthGate(),
    audit: new MemoryAudit(),
    checker: pendingChecker(),
  };
  const plan: PlanDeps = {
    ...ports,
    inventory: SAMPLE_INVENTORY,
    policy: SAMPLE_POLICY,
    upgrades: new MemoryUpgradeRecords(),
    now,
  };
  const decide: DecideDeps = {
    ...ports,
    inventory: SAMPLE_INVENTORY,
    approvalPolicy: () => SAMPLE_POLICY,
  };
  const advance: AdvanceDeps = {
    ...ports,
    inventory: SAMPLE_INVENTORY,
    policy: SAMPLE_POLICY,
    now,
  };
  const record: RecordJobDeps = { ...ports, policy: SAMPLE_POLICY, now };
  /** Plans `/kcm upgrade <target>` as Alice and has Bob approve it; resolves to the request id. */
  const approved = async (target = "web") => {
    const result = await planRequest(
      plan,
      samplePlanInput({ host: target, triggerId: `t-${target}` }),
    );
    if (result.kind !== "requested") throw new Error(JSON.stringify(result));
    clock.minutes = 5;
    expect(
      await decideRequest(decide, result.requestId, { kind: "approve", by: BOB, at: now() }),
    ).toBeUndefined();
    return result.requestId;
  };
  /** A host's job: begins, then ends with `outcome`. */
  const hostJob = async (id: string, host: string, outcome: JobOutcome) => {
    const job = ports.jobs.upgrades.find((j) => j.requestId === id && j.host === host);
    if (!job) throw new Error(`no job for ${host}`);
    await recordJobStarted(record, job);
    await recordJobFinished(record, job, outcome);
  };
  const stateOf = (id: string) => ports.requests.byId.get(id)?.state;
  const runOf = async (id: string, host: string) => (await ports.runs.all(id)).get(host);
  return { ...ports, clock, plan, decide, advance, record, approved, hostJob, stateOf, runOf };
}

const UPGRADED: JobOutcome = {
  kind: "upgraded",
  changes: [],
  downtimeMs: 1200,
  totalMs: 5000,
  services: [],
  stillPending: [],
};
const FAILED: JobOutcome = {
  kind: "failed",
  step: "start",
  code: "start-failed",
  summary: "guacamole is failed after start",
  evidence: [],
  downtimeStarted: true,
  services: [],
  totalMs: 5000,
};

describe("planning a fleet request", () => {
  it("a group makes ONE request: a plan per host, one hash over all, in the group's order", async () => {
    const t = setup();

    const result = await planRequest(t.plan, samplePlanInput({ host: "web" }));

    expect(result.kind).toBe("requested");
    expect(t.requests.byId.size).toBe(1);
    const [request] = t.requests.byId.values();
    expect(request?.host).toBe("web");
    expect(
      request?.rollout?.hosts.map((h) => [h.host, h.plan.host, h.plan.packages.length]),
    ).toEqual([
      ["web1", "web1", 2],
      ["web2", "web2", 2],
    ]);
    expect(request?.rollout?.policy).toEqual({ canary: 1, maxParallel: 1, onFailure: "stop" });
    expect(request?.plan.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(t.chat.requests).toHaveLength(1);
    expect(t.tasks.expiries).toHaveLength(1);
  });

  it("lists the hosts it leaves out, with why: up to date, unreachable, no window, in another request", async () => {
    const t = setup();
    await t.requests.create(sampleRequest({ host: "web2" }));
    t.checker.results.set("lab1", { ...pendingCheck("lab1") });
    t.checker.results.set("web1", { ...pendingCheck("web1"), pending: [] });

    await planRequest(t.plan, samplePlanInput({ host: "all", triggerId: "t-all" }));
    const made = [...t.requests.byId.values()].find((r) => r.rollout);

    expect(made).toBeUndefined();
    expect(t.chat.told.at(-1)?.text).toMatch(
      /^Nothing to upgrade in `all`, so no request was made:/,
    );
    expect(t.chat.told.at(-1)?.text).toContain("• `web1`: up to date (KCM 2.23.1-1.el8)");
    expect(t.chat.told.at(-1)?.text).toContain("• `web2`: in request r-0k3j9x2a (pending)");
    expect(t.chat.told.at(-1)?.text).toMatch(/• `lab1`: this host has no maintenance window/);
  });

  it("plans the hosts it can and keeps the others' reasons on the request", async () => {
    const t = setup();
    t.checker.results.set("web2", {
      host: "web2",
      durationMs: 5,
      problems: [
        {
          source: "connection",
          code: "refused",
          summary: "web2: connection refused",
          evidence: [],
        },
      ],
    });

    await planRequest(t.plan, samplePlanInput({ host: "web" }));
    const [request] = t.requests.byId.values();

    expect(request?.rollout?.hosts.map((h) => h.host)).toEqual(["web1"]);
    expect(request?.rollout?.leftOut).toEqual([
      { host: "web2", reason: "web2: connection refused" },
    ]);
  });

  it("the same command twice (a redelivered task) makes one request", async () => {
    const t = setup();
    await planRequest(t.plan, samplePlanInput({ host: "web" }));
    const again = await planRequest(t.plan, samplePlanInput({ host: "web" }));

    expect(again.kind).toBe("duplicate");
    expect(t.requests.byId.size).toBe(1);
    expect(t.chat.requests).toHaveLength(1);
  });
});

describe("a rollout, host by host", () => {
  it("the approval starts the coordinator, which queues the canary alone under its own job id", async () => {
    const t = setup();
    const id = await t.approved();

    expect(t.tasks.advances).toEqual([`${id} approved`]);
    expect(t.jobs.upgrades).toEqual([]);
    expect(await advanceRollout(t.advance, id)).toBe("started web1");
    expect(t.jobs.upgrades.map((j) => [j.host, j.jobId, j.requestId])).toEqual([
      ["web1", `${id}-h1`, id],
    ]);
    expect(await t.runOf(id, "web1")).toMatchObject({ state: "queued" });
    expect(await t.runOf(id, "web2")).toBeUndefined();
    // The next batch downloads its packages meanwhile.
    expect(t.tasks.prefetches).toEqual([`${id} web2`]);
  });

  it("each host's end moves it on: the gate checks the canary, then the next host, then the end", async () => {
    const t = setup();
    const id = await t.approved();
    await advanceRollout(t.advance, id);

    await t.hostJob(id, "web1", UPGRADED);
    expect(t.stateOf(id)).toBe("running");
    expect(t.tasks.advances).toContain(`${id} after-web1`);
    expect(await advanceRollout(t.advance, id)).toBe("started web2");
    expect(t.gate.asked).toEqual([["web1"]]);

    await t.hostJob(id, "web2", UPGRADED);
    expect(await advanceRollout(t.advance, id)).toBe("finished");
    expect(t.stateOf(id)).toBe("succeeded");
    expect(t.chat.finished).toHaveLength(1);
    expect(t.audit.entries.filter((e) => e.what === "rollout-finished")).toHaveLength(1);
    // Once more (a second coordinator, or a retried task): nothing new.
    await advanceRollout(t.advance, id);
    expect(t.chat.finished).toHaveLength(1);
    expect(t.audit.entries.filter((e) => e.what === "rollout-finished")).toHaveLength(1);
  });

  it("two coordinators at once queue a host once", async () => {
    const t = setup();
    const id = await t.approved();

    await Promise.all([advanceRollout(t.advance, id), advanceRollout(t.advance, id)]);

    expect(t.jobs.upgrades.map((j) => j.host)).toEqual(["web1"]);
  });

  it("a failed canary stops the rollout: the next host never starts, the request failed", async () => {
    const t = setup();
    const id = await t.approved();
    await advanceRollout(t.advance, id);

    await t.hostJob(id, "web1", FAILED);
    expect(await advanceRollout(t.advance, id)).toMatch(/^finished with failures/);

    expect(t.jobs.upgrades.map((j) => j.host)).toEqual(["web1"]);
    expect(t.stateOf(id)).toBe("failed");
    expect(await t.runOf(id, "web1")).toMatchObject({
      ending: "failed",
      note: "start: guacamole is failed after start",
    });
    expect(await t.runOf(id, "web2")).toEqual({
      state: "not-started",
      reason: "stopped: web1 failed",
    });
  });

  it("a canary that fails the health gate counts as failed", async () => {
    const t = setup();
    const id = await t.approved();
    await advanceRollout(t.advance, id);
    await t.hostJob(id, "web1", UPGRADED);
    t.gate.failing.set("web1", "guacd is failed");

    await advanceRollout(t.advance, id);

    expect(await t.runOf(id, "web1")).toMatchObject({
      ending: "failed",
      note: "health gate: guacd is failed",
      downtimeMs: 1200,
    });
    expect(await t.runOf(id, "web2")).toEqual({
      state: "not-started",
      reason: "stopped: web1 failed",
    });
    expect(t.stateOf(id)).toBe("failed");
  });

  it("a cancel mid-rollout: the host in flight finishes, no new host starts, the end says who", async () => {
    const t = setup();
    const id = await t.approved();
    await advanceRollout(t.advance, id);
    const job = t.jobs.upgrades[0];
    if (!job) throw new Error("no job");
    await recordJobStarted(t.record, job);

    expect(await cancelRequest(t.decide, id, ALICE, afterT0(10))).toBe(`Cancelled \`${id}\`.`);
    expect(t.tasks.advances).toContain(`${id} cancelled`);
    expect(await advanceRollout(t.advance, id)).toBe("waiting for hosts in flight");

    await recordJobFinished(t.record, job, UPGRADED);
    expect(await advanceRollout(t.advance, id)).toMatch(/^finished/);

    expect(t.jobs.upgrades.map((j) => j.host)).toEqual(["web1"]);
    expect(t.stateOf(id)).toBe("cancelled");
    expect(await t.runOf(id, "web2")).toEqual({
      state: "not-started",
      reason: `cancelled by <@${ALICE}>`,
    });
    expect(t.chat.finished).toHaveLength(1);
  });

  it("a job that finds its rollout cancelled before it began is never started, and moves it on", async () => {
    const t = setup();
    const id = await t.approved();
    await advanceRollout(t.advance, id);
    await cancelRequest(t.decide, id, BOB, afterT0(10));
    const { isCancelled } = await import("../../../src/requests/record-job.js");
    const job = t.jobs.upgrades[0];
    if (!job) throw new Error("no job");

    expect(await isCancelled(t.record, job)).toBe(true);
    expect(await t.runOf(id, "web1")).toEqual({
      state: "not-started",
      reason: `cancelled by <@${BOB}>`,
    });
    expect(t.tasks.advances).toContain(`${id} after-web1`);
  });

  it("a rollout not yet approved, or a single host's request, is left alone", async () => {
    const t = setup();
    const result = await planRequest(t.plan, samplePlanInput({ host: "web" }));
    if (result.kind !== "requested") throw new Error("no request");
    await t.requests.create(sampleRequest());

    expect(await advanceRollout(t.advance, result.requestId)).toBe(
      "nothing to do: the request is pending",
    );
    expect(await advanceRollout(t.advance, "r-0k3j9x2a")).toBe("not a rollout");
    expect(t.jobs.upgrades).toEqual([]);
  });
});

describe("downloading ahead", () => {
  const prefetcher = () => {
    const asked: string[] = [];
    return {
      asked,
      prefetch: async (host: { name: string }, plan: { host: string }) => {
        asked.push(`${host.name} ${plan.host}`);
        return { ok: true, detail: "" };
      },
    };
  };

  it("downloads a waiting host's own plan while the rollout goes on", async () => {
    const t = setup();
    const id = await t.approved();
    const p = prefetcher();
    const deps = { ...t, inventory: SAMPLE_INVENTORY, prefetcher: p };

    expect(await prefetchAhead(deps, id, "web2")).toBe("prefetched web2");
    expect(p.asked).toEqual(["web2 web2"]);
  });

  it("leaves alone a host whose job began, a cancelled rollout, and a host not in it", async () => {
    const t = setup();
    const id = await t.approved();
    const p = prefetcher();
    const deps = { ...t, inventory: SAMPLE_INVENTORY, prefetcher: p };
    await t.runs.set(id, "web1", { state: "running", at: afterT0(6).toISOString() });

    expect(await prefetchAhead(deps, id, "web1")).toBe("skipped: web1 is running");
    expect(await prefetchAhead(deps, id, "lab1")).toBe("not a host of a rollout");
    await cancelRequest(t.decide, id, ALICE, afterT0(7));
    expect(await prefetchAhead(deps, id, "web2")).toBe("skipped: the request is cancelled");
    expect(p.asked).toEqual([]);
  });
});
