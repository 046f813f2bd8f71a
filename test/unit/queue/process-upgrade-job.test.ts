import { UnrecoverableError } from "bullmq";
import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import type { RunbookEvent } from "../../../src/chat/runbook-event.js";
import { parseInventory } from "../../../src/config/parse-inventory.js";
import { readEnv } from "../../../src/config/read-env.js";
import { newRequest } from "../../../src/domain/upgrade-request.js";
import { upgradeProcessor } from "../../../src/queue/process-upgrade-job.js";
import { storeKeys } from "../../../src/store/store-keys.js";
import {
  MemoryRequests,
  MemoryRolloutRuns,
  MemoryTaskQueue,
} from "../../support/in-memory-ports.js";
import { standaloneUpgradeJob, WINDOW } from "../../support/standalone-upgrade-job.js";
import { jobOf } from "./job-of.js";

const INVENTORY = parseInventory(
  `
hosts:
  - name: kcm-1
    address: 10.0.0.1
    user: kcm
    privateKey: /keys/id_ed25519
    hostKey: SHA256:nLF/WwxaonO/+Fxv8K4yuWHDnLFkkbazJMT3YbBiI2E
`,
  "process-upgrade-job.test",
);

const POLICY = { approvers: new Set(["U0APPROVER"]), expiryMinutes: 60 };
/** Inside the jobs' window: nothing waits for it. */
const NOW = Date.parse("2026-11-26T19:30:00.000Z");

let redis: Redis | undefined;
afterEach(() => {
  redis?.disconnect();
  redis = undefined;
});

/**
 * The processor with a Redis client that has never connected (and, pointed
 * at a closed port, could not), a recording reporter, and the job's request
 * approved in memory.
 */
async function processorWith() {
  redis = new Redis({ host: "127.0.0.1", port: 1, lazyConnect: true, maxRetriesPerRequest: 0 });
  const events: RunbookEvent[] = [];
  const requests = new MemoryRequests();
  const job = standaloneUpgradeJob("r-job00001");
  const request = newRequest(
    {
      id: job.requestId,
      kind: "upgrade",
      host: job.host,
      plan: job.plan,
      requestedBy: job.requestedBy,
      channel: "C0KCMOPS01",
      when: { kind: "next-window" },
      runWindow: { start: new Date(WINDOW.start), end: new Date(WINDOW.end) },
      emergency: false,
    },
    POLICY,
    new Date("2026-11-26T18:00:00.000Z"),
  );
  await requests.create(request);
  const approved = await requests.apply(
    request.id,
    { kind: "approve", by: "U0APPROVER", at: new Date("2026-11-26T18:05:00.000Z") },
    POLICY,
  );
  if (!approved.ok) throw new Error(approved.reason);
  const process = upgradeProcessor({
    redis,
    keys: storeKeys("t-process-upgrade-job"),
    workerId: "worker-test",
    env: readEnv({}),
    host: (name) => INVENTORY.hosts.find((h) => h.name === name),
    reporter: { report: (event) => events.push(event) },
    requests: {
      policy: POLICY,
      requests,
      runs: new MemoryRolloutRuns(),
      tasks: new MemoryTaskQueue(),
      now: () => new Date(NOW),
    },
    now: () => NOW,
  });
  return { process, redis, events, requests, job, approved: approved.request };
}

describe("upgradeProcessor: refusals before the host lock", () => {
  it.each([
    ["no data", () => undefined, /expected object/],
    [
      "a plan for another host",
      (job: ReturnType<typeof standaloneUpgradeJob>) => ({ ...job, host: "kcm-2" }),
      /the plan is for another host/,
    ],
    [
      "a window that ends before it starts",
      (job: ReturnType<typeof standaloneUpgradeJob>) => ({
        ...job,
        window: { start: WINDOW.end, end: WINDOW.start },
      }),
      /the window ends before it starts/,
    ],
    [
      "a request id that is not one",
      (job: ReturnType<typeof standaloneUpgradeJob>) => ({ ...job, requestId: "../../etc" }),
      /"requestId"/,
    ],
  ])(
    "%s: invalid job data, no retry; Redis, the request and chat untouched",
    async (_, data, problem) => {
      const worker = await processorWith();

      const run = worker.process(jobOf("upgrade", data(worker.job)), "token-1");

      await expect(run).rejects.toBeInstanceOf(UnrecoverableError);
      await expect(run).rejects.toThrow(/^invalid job data: /);
      await expect(run).rejects.toThrow(problem);
      expect(worker.redis.status).toBe("wait");
      expect(worker.events).toEqual([]);
      expect(worker.requests.byId.get(worker.job.requestId)).toBe(worker.approved);
    },
  );

  it("a rollback job is read with the rollback schema: without its transaction id it is invalid", async () => {
    const worker = await processorWith();

    const run = worker.process(jobOf("rollback", worker.job), "token-1");

    await expect(run).rejects.toBeInstanceOf(UnrecoverableError);
    await expect(run).rejects.toThrow(/^invalid job data: [\s\S]*"transactionId"/);
    expect(worker.redis.status).toBe("wait");
  });

  it("a host that is not in the inventory: no retry, naming the host; Redis untouched", async () => {
    const worker = await processorWith();

    const run = worker.process(
      jobOf("upgrade", standaloneUpgradeJob("r-job00001", { host: "kcm-9" })),
      "token-1",
    );

    await expect(run).rejects.toBeInstanceOf(UnrecoverableError);
    await expect(run).rejects.toThrow("host kcm-9 is not in the inventory");
    expect(worker.redis.status).toBe("wait");
    expect(worker.events).toEqual([]);
    expect(worker.requests.byId.get(worker.job.requestId)).toBe(worker.approved);
  });
});
