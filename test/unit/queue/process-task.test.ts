import { UnrecoverableError } from "bullmq";
import { describe, expect, it } from "vitest";
import { type TaskDeps, taskProcessor } from "../../../src/queue/process-task.js";
import type { CheckTask, PlanTask } from "../../../src/queue/task-schemas.js";
import {
  MemoryAudit,
  MemoryChat,
  MemoryFleetNotices,
  MemoryFleetView,
  MemoryHealthGate,
  MemoryHostLocks,
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
  RESPONSE_URL,
  SAMPLE_INVENTORY,
  SAMPLE_POLICY,
  sampleCheckInput,
  samplePlanInput,
  T0,
} from "../../support/sample-fleet.js";
import { jobOf } from "./job-of.js";

/** The processor over in-memory ports, its clock at T0 until a test moves it. */
function processorWith() {
  const clock = { now: T0 };
  const ports = {
    checker: pendingChecker(),
    locks: new MemoryHostLocks(),
    requests: new MemoryRequests(),
    chat: new MemoryChat(),
    tasks: new MemoryTaskQueue(),
    audit: new MemoryAudit(),
    upgrades: new MemoryUpgradeRecords(),
    runs: new MemoryRolloutRuns(),
    jobs: new MemoryJobQueue(),
    notices: new MemoryFleetNotices(),
    fleet: new MemoryFleetView(),
    clock,
  };
  const now = () => clock.now;
  const deps: TaskDeps = {
    plan: { inventory: SAMPLE_INVENTORY, policy: SAMPLE_POLICY, ...ports, now },
    check: {
      inventory: SAMPLE_INVENTORY,
      checker: ports.checker,
      chat: ports.chat,
      locks: ports.locks,
      fleet: ports.fleet,
      now,
    },
    expire: { policy: SAMPLE_POLICY, requests: ports.requests, chat: ports.chat, now },
    notify: {
      inventory: SAMPLE_INVENTORY,
      checker: ports.checker,
      locks: ports.locks,
      notices: ports.notices,
      chat: ports.chat,
      fleet: ports.fleet,
      now,
    },
    prefetch: {
      inventory: SAMPLE_INVENTORY,
      requests: ports.requests,
      runs: ports.runs,
      prefetcher: { prefetch: async () => ({ ok: true, detail: "" }) },
    },
    advance: {
      inventory: SAMPLE_INVENTORY,
      policy: SAMPLE_POLICY,
      requests: ports.requests,
      runs: ports.runs,
      jobs: ports.jobs,
      tasks: ports.tasks,
      gate: new MemoryHealthGate(),
      chat: ports.chat,
      audit: ports.audit,
      now,
    },
  };
  return { process: taskProcessor(deps), ...ports };
}

/** `/kcm upgrade web1` as a queued task. */
const planTask = (changes: Partial<PlanTask> = {}): PlanTask => ({
  kind: "plan",
  ...samplePlanInput(changes),
});

/** `/kcm check web` as a queued task. */
const checkTask = (changes: Partial<CheckTask> = {}): CheckTask => ({
  kind: "check",
  ...sampleCheckInput(changes),
});

describe("taskProcessor: a task that does not fit its schema", () => {
  const { triggerId: _, ...checkWithoutTrigger } = checkTask();
  it.each([
    ["an unknown kind", { kind: "reboot", host: "web1" }, "kind"],
    ["a host that is not a name", planTask({ host: "web1;reboot" }), "host"],
    ["a requester that is not a Slack id", planTask({ requestedBy: "alice" }), "requestedBy"],
    ["a check without its trigger id", checkWithoutTrigger, "triggerId"],
    ["a response URL that is not a URL", checkTask({ responseUrl: "not a url" }), "responseUrl"],
    ["an expiry of a malformed request id", { kind: "expire", requestId: "R 1" }, "requestId"],
    ["no data", undefined, ""],
  ])("%s: fails without retry, naming the field; nothing runs", async (_, data, field) => {
    const worker = processorWith();

    const run = worker.process(jobOf("task", data));

    await expect(run).rejects.toBeInstanceOf(UnrecoverableError);
    await expect(run).rejects.toThrow(/^invalid task: /);
    await expect(run).rejects.toThrow(field === "" ? /expected object/ : `"${field}"`);
    expect(worker.checker.calls).toEqual([]);
    expect(worker.requests.byId.size).toBe(0);
    expect(worker.chat.told).toEqual([]);
    expect(worker.chat.checks).toEqual([]);
  });
});

describe("taskProcessor: plan", () => {
  it("plans from what the host has pending, posts the request, sets its expiry: `requested <id>`", async () => {
    const worker = processorWith();

    const summary = await worker.process(jobOf("plan", planTask()));

    const [request, ...others] = worker.requests.byId.values();
    expect(others).toEqual([]);
    expect(summary).toBe(`requested ${request?.id}`);
    expect(worker.checker.calls).toEqual([["web1"]]);
    expect(request?.plan.packages.map((p) => [p.name, p.to.version])).toEqual([
      ["kcm-guacamole", "2.24.1"],
      ["kcm-guacd", "2.24.1"],
    ]);
    // web1's nightly window: 02:00–05:00 in Berlin.
    expect(request?.runWindow).toEqual({
      start: "2026-11-27T01:00:00.000Z",
      end: "2026-11-27T04:00:00.000Z",
    });
    expect(worker.chat.requests.map((r) => r.id)).toEqual([request?.id]);
    expect(worker.tasks.expiries).toEqual([
      { requestId: request?.id, at: new Date("2026-11-26T13:00:00Z") },
    ]);
    expect(worker.audit.entries.map((e) => [e.who, e.what])).toEqual([
      [ALICE, "upgrade-requested"],
    ]);
  });

  it("the same command again (a redelivery): `duplicate <id>`, one request", async () => {
    const worker = processorWith();

    const first = await worker.process(jobOf("plan", planTask()));
    const again = await worker.process(jobOf("plan", planTask()));

    expect(again).toBe(first.replace("requested", "duplicate"));
    expect(worker.requests.byId.size).toBe(1);
    expect(worker.chat.requests).toHaveLength(1);
  });

  it("a host that is up to date: refused, the requester told privately, nothing stored", async () => {
    const worker = processorWith();
    worker.checker.results.set("web1", { ...pendingCheck("web1"), pending: [] });

    const summary = await worker.process(jobOf("plan", planTask()));

    expect(summary).toBe("up to date");
    expect(worker.chat.told).toEqual([
      {
        responseUrl: RESPONSE_URL,
        text: "`web1` is up to date (KCM 2.23.1-1.el8): nothing to approve.",
      },
    ]);
    expect(worker.requests.byId.size).toBe(0);
    expect(worker.tasks.expiries).toEqual([]);
  });

  it("a host whose check fails: refused with the host's words", async () => {
    const worker = processorWith();
    worker.checker.results.set("web1", {
      host: "web1",
      durationMs: 30_000,
      problems: [
        {
          source: "connection",
          code: "timeout",
          summary: "no answer within 30 s",
          evidence: ["connect ETIMEDOUT 10.0.0.1:22"],
        },
      ],
    });

    const summary = await worker.process(jobOf("plan", planTask()));

    expect(summary).toBe("check failed");
    expect(worker.chat.told.map((t) => t.text)).toEqual([
      "Cannot plan an upgrade of `web1`: no answer within 30 s\n> connect ETIMEDOUT 10.0.0.1:22",
    ]);
    expect(worker.requests.byId.size).toBe(0);
  });

  it("a rollback of a host with no upgrade on record: refused without asking the host", async () => {
    const worker = processorWith();

    const summary = await worker.process(jobOf("plan", planTask({ requestKind: "rollback" })));

    expect(summary).toBe("nothing to roll back");
    expect(worker.checker.calls).toEqual([]);
    expect(worker.requests.byId.size).toBe(0);
  });
});

describe("taskProcessor: check", () => {
  it("checks the target's hosts, posts one summary: `<n> checked`", async () => {
    const worker = processorWith();

    const summary = await worker.process(jobOf("check", checkTask()));

    expect(summary).toBe("2 checked");
    expect(worker.checker.calls).toEqual([["web1", "web2"]]);
    const { kind: _, ...input } = checkTask();
    expect(worker.chat.checks).toEqual([
      {
        input,
        checks: [pendingCheck("web1"), pendingCheck("web2")],
      },
    ]);
  });

  it("a host being upgraded is not checked, and is listed as such", async () => {
    const worker = processorWith();
    worker.locks.holders.set("web2", "r-busy0001");

    const summary = await worker.process(jobOf("check", checkTask()));

    expect(summary).toBe("2 checked");
    expect(worker.checker.calls).toEqual([["web1"]]);
    const web2 = worker.chat.checks[0]?.checks[1];
    expect(web2?.host).toBe("web2");
    expect(web2?.problems.map((p) => [p.code, p.summary])).toEqual([
      [
        "upgrade-running",
        "request r-busy0001 is upgrading this host right now; check it again when it is done",
      ],
    ]);
  });

  it("a target that is not in the inventory: `unknown target`, the requester told", async () => {
    const worker = processorWith();

    const summary = await worker.process(jobOf("check", checkTask({ target: "db9" })));

    expect(summary).toBe("unknown target");
    expect(worker.checker.calls).toEqual([]);
    expect(worker.chat.told).toEqual([
      { responseUrl: RESPONSE_URL, text: "No host or group `db9`." },
    ]);
    expect(worker.chat.checks).toEqual([]);
  });
});

describe("taskProcessor: expire", () => {
  /** Plans a request at T0 and returns its id, the clock then moved to `minutes` later. */
  async function planned(worker: ReturnType<typeof processorWith>, minutes: number) {
    await worker.process(jobOf("plan", planTask()));
    const [id] = worker.requests.byId.keys();
    if (id === undefined) throw new Error("no request was planned");
    worker.clock.now = afterT0(minutes);
    return id;
  }

  it("an undecided request whose time is up: `expired`, and the thread is told", async () => {
    const worker = processorWith();
    const id = await planned(worker, 60);

    const summary = await worker.process(jobOf("expire", { kind: "expire", requestId: id }));

    expect(summary).toBe("expired");
    expect(worker.requests.byId.get(id)?.state).toBe("expired");
    expect(worker.chat.expiries.map((r) => r.id)).toEqual([id]);
  });

  it("a request decided meanwhile: left as it is", async () => {
    const worker = processorWith();
    const id = await planned(worker, 10);
    await worker.requests.apply(
      id,
      { kind: "approve", by: BOB, at: worker.clock.now },
      SAMPLE_POLICY,
    );
    worker.clock.now = afterT0(60);

    const summary = await worker.process(jobOf("expire", { kind: "expire", requestId: id }));

    expect(summary).toBe("not expired: decided meanwhile");
    expect(worker.requests.byId.get(id)?.state).toBe("approved");
    expect(worker.chat.expiries).toEqual([]);
  });
});

describe("taskProcessor: fleet-check (the scheduled check)", () => {
  const fleetCheck = () => jobOf("fleet-check", { kind: "fleet-check" });
  const everyHost = SAMPLE_INVENTORY.hosts.map((h) => h.name).sort();

  it("tells the first channel of a release newly pending, once; nothing changed: no notice", async () => {
    const worker = processorWith();

    expect(await worker.process(fleetCheck())).toBe("notice posted");
    expect(await worker.process(fleetCheck())).toBe("nothing changed");

    expect(worker.chat.notices).toHaveLength(1);
    expect(worker.chat.notices[0]).toMatchObject({
      channel: SAMPLE_INVENTORY.slack?.channels[0],
      notice: {
        releases: [{ version: "2.24.1-1.el8", hosts: everyHost }],
        failing: [],
        recovered: [],
      },
    });
    expect(worker.notices.state.pending).toEqual(
      Object.fromEntries(everyHost.map((h) => [h, "2.24.1-1.el8"])),
    );
  });

  it("a host newly failing, then recovered: one notice each", async () => {
    const worker = processorWith();
    await worker.process(fleetCheck());
    const web2 = worker.checker.results.get("web2");
    worker.checker.results.set("web2", {
      host: "web2",
      durationMs: 30_000,
      problems: [
        { source: "connection", code: "refused", summary: "connection refused", evidence: [] },
      ],
    });

    await worker.process(fleetCheck());
    if (web2) worker.checker.results.set("web2", web2);
    await worker.process(fleetCheck());

    expect(worker.chat.notices.map((n) => n.notice)).toEqual([
      expect.objectContaining({ releases: [expect.objectContaining({ version: "2.24.1-1.el8" })] }),
      { releases: [], failing: [{ host: "web2", reason: "refused" }], recovered: [] },
      // Back, and still waiting for the same release: only "recovered".
      { releases: [], failing: [], recovered: ["web2"] },
    ]);
  });

  it("a host being upgraded is not checked and keeps its state: no news of it", async () => {
    const worker = processorWith();
    await worker.process(fleetCheck());
    worker.locks.holders.set("web1", "r-busy0001");

    expect(await worker.process(fleetCheck())).toBe("nothing changed");
    expect(worker.checker.calls.at(-1)).not.toContain("web1");
    expect(worker.notices.state.pending["web1"]).toBe("2.24.1-1.el8");
  });
});
