import { UnrecoverableError } from "bullmq";
import { describe, expect, it } from "vitest";
import type { HostConfig } from "../../../src/config/inventory-schema.js";
import { parseInventory } from "../../../src/config/parse-inventory.js";
import type { ApprovalPolicy } from "../../../src/domain/upgrade-request.js";
import type { HostCheck, PendingChange } from "../../../src/kcm/host-check.js";
import { type TaskDeps, taskProcessor } from "../../../src/queue/process-task.js";
import type { CheckTask, PlanTask } from "../../../src/queue/task-schemas.js";
import type { HostChecker } from "../../../src/requests/ports.js";
import {
  MemoryAudit,
  MemoryChat,
  MemoryRequests,
  MemoryTaskQueue,
  MemoryUpgradeRecords,
} from "../../support/in-memory-ports.js";
import { jobOf } from "./job-of.js";

const INVENTORY = parseInventory(
  `
defaults:
  user: kcm
  privateKey: /keys/id_ed25519
  window: nightly
windows:
  nightly:
    timeZone: UTC
    days: [mon, tue, wed, thu, fri, sat, sun]
    start: "02:00"
    durationMinutes: 120
hosts:
  - name: web1
    address: 10.0.0.1
    hostKey: SHA256:nLF/WwxaonO/+Fxv8K4yuWHDnLFkkbazJMT3YbBiI2E
  - name: web2
    address: 10.0.0.2
    hostKey: SHA256:B4Y2mrdTBEI2euQk6CojveBY7aBeNyyNMhh1sMtGyRg
groups:
  web: [web1, web2]
`,
  "process-task.test",
);

const ALICE = "U0ALICE";
const BOB = "U0BOB";
const CHANNEL = "C0KCMOPS01";
const RESPONSE_URL = "https://hooks.slack.com/commands/T0KCM/1234/abcd";
const NOW = new Date("2026-11-26T12:00:00Z");
const POLICY: ApprovalPolicy = { approvers: new Set([BOB]), expiryMinutes: 60 };

const GUACD_UPDATE: PendingChange = {
  name: "kcm-guacd",
  arch: "x86_64",
  from: { epoch: 0, version: "2.23.1", release: "1.el8" },
  to: { epoch: 0, version: "2.24.1", release: "1.el8" },
  repo: "kcm",
};

/** A host with one update pending, as a check over SSH would find it. */
const pendingOn = (host: HostConfig): HostCheck => ({
  host: host.name,
  durationMs: 812,
  kcmVersion: "2.23.1-1.el8",
  layout: "standalone",
  pending: [GUACD_UPDATE],
  problems: [],
});

/** Checks hosts by answering `answer` for each, and keeps which hosts it was asked about. */
class FakeChecker implements HostChecker {
  readonly asked: string[][] = [];

  constructor(private readonly answer: (host: HostConfig) => HostCheck = pendingOn) {}

  async check(host: HostConfig) {
    this.asked.push([host.name]);
    return this.answer(host);
  }

  async checkMany(hosts: readonly HostConfig[]) {
    this.asked.push(hosts.map((h) => h.name));
    return hosts.map(this.answer);
  }
}

/** The processor over in-memory ports; `busy` hosts are held by a running job. */
function processorWith(
  options: { checker?: FakeChecker; busy?: Record<string, string>; now?: Date } = {},
) {
  const clock = { now: options.now ?? NOW };
  const ports = {
    checker: options.checker ?? new FakeChecker(),
    requests: new MemoryRequests(),
    chat: new MemoryChat(),
    tasks: new MemoryTaskQueue(),
    audit: new MemoryAudit(),
    upgrades: new MemoryUpgradeRecords(),
    clock,
  };
  const now = () => clock.now;
  const deps: TaskDeps = {
    plan: { inventory: INVENTORY, policy: POLICY, ...ports, now },
    check: {
      inventory: INVENTORY,
      checker: ports.checker,
      chat: ports.chat,
      locks: {
        holderOf: async (host) => {
          const jobId = options.busy?.[host];
          return jobId === undefined ? undefined : { jobId };
        },
      },
    },
    expire: { policy: POLICY, requests: ports.requests, chat: ports.chat, now },
  };
  return { process: taskProcessor(deps), ...ports };
}

const planTask = (changes: Partial<PlanTask> = {}): PlanTask => ({
  kind: "plan",
  requestKind: "upgrade",
  host: "web1",
  when: { kind: "next-window" },
  requestedBy: ALICE,
  channel: CHANNEL,
  triggerId: "1234.5678.abcd",
  responseUrl: RESPONSE_URL,
  ...changes,
});

const checkTask = (changes: Partial<CheckTask> = {}): CheckTask => ({
  kind: "check",
  target: "web",
  requestedBy: ALICE,
  channel: CHANNEL,
  triggerId: "1234.5678.ef01",
  responseUrl: RESPONSE_URL,
  ...changes,
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
    expect(worker.checker.asked).toEqual([]);
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
    expect(worker.checker.asked).toEqual([["web1"]]);
    expect(request?.plan.packages.map((p) => [p.name, p.to.version])).toEqual([
      ["kcm-guacd", "2.24.1"],
    ]);
    expect(request?.runWindow).toEqual({
      start: "2026-11-27T02:00:00.000Z",
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
    const worker = processorWith({
      checker: new FakeChecker((host) => ({ ...pendingOn(host), pending: [] })),
    });

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
    const worker = processorWith({
      checker: new FakeChecker((host) => ({
        host: host.name,
        durationMs: 30_000,
        problems: [
          {
            source: "connection",
            code: "timeout",
            summary: "no answer within 30 s",
            evidence: ["connect ETIMEDOUT 10.0.0.1:22"],
          },
        ],
      })),
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
    expect(worker.checker.asked).toEqual([]);
    expect(worker.requests.byId.size).toBe(0);
  });
});

describe("taskProcessor: check", () => {
  it("checks the target's hosts, posts one summary: `<n> checked`", async () => {
    const worker = processorWith();

    const summary = await worker.process(jobOf("check", checkTask()));

    expect(summary).toBe("2 checked");
    expect(worker.checker.asked).toEqual([["web1", "web2"]]);
    const { kind: _, ...input } = checkTask();
    expect(worker.chat.checks).toEqual([
      {
        input,
        checks: [
          pendingOn(INVENTORY.hosts[0] as HostConfig),
          pendingOn(INVENTORY.hosts[1] as HostConfig),
        ],
      },
    ]);
  });

  it("a host being upgraded is not checked, and is listed as such", async () => {
    const worker = processorWith({ busy: { web2: "r-busy0001" } });

    const summary = await worker.process(jobOf("check", checkTask()));

    expect(summary).toBe("2 checked");
    expect(worker.checker.asked).toEqual([["web1"]]);
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
    expect(worker.checker.asked).toEqual([]);
    expect(worker.chat.told).toEqual([
      { responseUrl: RESPONSE_URL, text: "No host or group `db9`." },
    ]);
    expect(worker.chat.checks).toEqual([]);
  });
});

describe("taskProcessor: expire", () => {
  /** Plans a request at NOW and returns its id, the clock then moved to `minutes` later. */
  async function planned(worker: ReturnType<typeof processorWith>, minutes: number) {
    await worker.process(jobOf("plan", planTask()));
    const [id] = worker.requests.byId.keys();
    if (id === undefined) throw new Error("no request was planned");
    worker.clock.now = new Date(NOW.getTime() + minutes * 60_000);
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
    await worker.requests.apply(id, { kind: "approve", by: BOB, at: worker.clock.now }, POLICY);
    worker.clock.now = new Date(NOW.getTime() + 60 * 60_000);

    const summary = await worker.process(jobOf("expire", { kind: "expire", requestId: id }));

    expect(summary).toBe("not expired: decided meanwhile");
    expect(worker.requests.byId.get(id)?.state).toBe("approved");
    expect(worker.chat.expiries).toEqual([]);
  });
});
