import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { type Job, Queue } from "bullmq";
import { Redis } from "ioredis";
import { makeUpgradePlan, type UpgradePlan } from "../../src/domain/upgrade-plan.js";
import { enqueueRollback, enqueueUpgrade } from "../../src/queue/enqueue-upgrade.js";
import { bullPrefix, UPGRADE_QUEUE } from "../../src/queue/queue-names.js";
import { checkHost } from "../../src/runbook/check-host.js";
import type { JournalEntry } from "../../src/runbook/runbook-ports.js";
import { sshConnector } from "../../src/ssh/ssh-connector.js";
import { storeKeys } from "../../src/store/store-keys.js";
import type { LabHost } from "../lab/lab.js";
import { labInventoryYaml } from "../lab/lab-inventory.js";
import { spawnTsx, type TsxProcess } from "./spawn-tsx.js";
import { checkTargetOf, sshTargetOf } from "./ssh-target-of.js";

/** A real upgrade-worker process, its output collected line by line. */
export type WorkerProcess = TsxProcess;

/**
 * The messages of a worker's log, in order: the `msg` of each JSON line (the
 * worker logs JSON lines), any other line as it is.
 */
export function messagesOf(worker: WorkerProcess): string[] {
  return worker.lines.map((line) => {
    if (!line.startsWith("{")) return line;
    try {
      const { msg } = JSON.parse(line) as { msg?: unknown };
      return typeof msg === "string" ? msg : line;
    } catch {
      return line;
    }
  });
}

/**
 * Runs upgrade jobs against lab hosts with real worker processes, a real
 * queue in the tests' Redis under a prefix of its own, and an inventory of
 * the given hosts.
 */
export class UpgradeHarness {
  readonly prefix = `t${randomBytes(4).toString("hex")}`;
  readonly keys = storeKeys(this.prefix);
  readonly redis: Redis;
  readonly queue: Queue;
  private readonly workers: WorkerProcess[] = [];
  private dir = "";

  constructor(
    readonly redisUrl: string,
    readonly hosts: LabHost[],
    /** The inventory's text; by default the hosts alone. */
    readonly inventoryText: string = labInventoryYaml(hosts),
    /** Redis behind Sentinel instead of `redisUrl` (pass ""): `REDIS_SENTINELS` and the primary's name. */
    readonly sentinel?: { sentinels: string; name: string },
  ) {
    this.redis = sentinel
      ? new Redis({
          sentinels: sentinel.sentinels.split(",").map((s) => {
            const [host, port] = s.split(":");
            return { host: host as string, port: Number(port) };
          }),
          name: sentinel.name,
          maxRetriesPerRequest: null,
          failoverDetector: true,
          reconnectOnError: (error) => error.message.startsWith("READONLY"),
        })
      : new Redis(redisUrl, { maxRetriesPerRequest: null });
    // Failed commands reject; the connection's own error events would only repeat them.
    this.redis.on("error", () => {});
    this.queue = new Queue(UPGRADE_QUEUE, {
      connection: this.redis,
      prefix: bullPrefix(this.prefix),
    });
    this.queue.on("error", () => {});
  }

  get inventoryPath(): string {
    return path.join(this.dir, "inventory.yml");
  }

  async setUp(): Promise<void> {
    this.dir = await mkdtemp(path.join(tmpdir(), "kcm-upgrade-"));
    await writeFile(this.inventoryPath, this.inventoryText);
  }

  /** Starts a worker process; resolves once it says it is ready. */
  async startWorker(env: Record<string, string> = {}): Promise<WorkerProcess> {
    const worker = spawnTsx("workers/upgrade-worker.ts", {
      ...process.env,
      REDIS_URL: this.sentinel ? "" : this.redisUrl,
      ...(this.sentinel
        ? { REDIS_SENTINELS: this.sentinel.sentinels, REDIS_SENTINEL_NAME: this.sentinel.name }
        : {}),
      KCM_REDIS_PREFIX: this.prefix,
      KCM_INVENTORY: this.inventoryPath,
      // The job lock, its renewal and the stalled check are the product's defaults.
      KCM_HOST_LOCK_TTL_MS: "3000",
      KCM_BUSY_RETRY_MS: "500",
      KCM_SSH_CONNECT_TIMEOUT_MS: "5000",
      ...env,
    });
    const { lines, exited } = worker;
    this.workers.push(worker);
    await Promise.race([
      this.until(() => lines.some((l) => l.includes(" ready (")), 30_000, "the worker to be ready"),
      exited.then((code) => {
        throw new Error(`the worker exited (${code}) before it was ready:\n${lines.join("\n")}`);
      }),
    ]);
    return worker;
  }

  /** The plan that `check` would make for the host now. */
  async planFor(host: LabHost): Promise<UpgradePlan> {
    const check = await checkHost(checkTargetOf(host), {
      connect: sshConnector([sshTargetOf(host)]),
      commandTimeoutMs: 30_000,
    });
    if (check.problems.length > 0) throw new Error(`planFor: ${JSON.stringify(check.problems)}`);
    return makeUpgradePlan(host.name, check.pending ?? []);
  }

  async enqueue(
    requestId: string,
    host: LabHost,
    plan: UpgradePlan,
    window = {
      start: new Date(Date.now() - 60_000).toISOString(),
      end: new Date(Date.now() + 3_600_000).toISOString(),
    },
  ): Promise<void> {
    await enqueueUpgrade(this.queue, {
      requestId,
      host: host.name,
      plan,
      window,
      requestedBy: "alice",
      approvedBy: "bob",
      layout: "auto",
    });
  }

  async enqueueRollback(
    requestId: string,
    host: LabHost,
    plan: UpgradePlan,
    transactionId: number,
  ): Promise<void> {
    await enqueueRollback(this.queue, {
      requestId,
      host: host.name,
      plan,
      transactionId,
      window: {
        start: new Date(Date.now() - 60_000).toISOString(),
        end: new Date(Date.now() + 3_600_000).toISOString(),
      },
      requestedBy: "alice",
      approvedBy: "bob",
      layout: "auto",
    });
  }

  /** Waits for the job to complete or fail; resolves with the job as it ended. */
  async finished(jobId: string, timeoutMs = 60_000): Promise<Job> {
    await this.until(
      async () => {
        const state = await this.queue.getJobState(jobId);
        return state === "completed" || state === "failed";
      },
      timeoutMs,
      `job ${jobId} to finish`,
    );
    // Read after the state changed, so the return value or failure is there.
    return (await this.queue.getJob(jobId)) as Job;
  }

  async journal(jobId: string): Promise<JournalEntry[]> {
    return (await this.redis.lrange(this.keys.journal(jobId), 0, -1)).map(
      (l) => JSON.parse(l) as JournalEntry,
    );
  }

  /** Whether the job's journal holds `event` of `step` (e.g. "upgrade", "started") yet. */
  async journalShows(jobId: string, step: string, event: string): Promise<boolean> {
    return (await this.journal(jobId)).some((e) => e.step === step && e.event === event);
  }

  async until(
    test: () => boolean | Promise<boolean>,
    timeoutMs: number,
    what: string,
  ): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await test())) {
      if (Date.now() > deadline) {
        const output = this.workers.flatMap((w) => w.lines).join("\n");
        throw new Error(`timed out waiting for ${what}; worker output:\n${output}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async tearDown(): Promise<void> {
    for (const w of this.workers)
      if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill("SIGKILL");
    await Promise.all(this.workers.map((w) => w.exited));
    await this.queue.obliterate({ force: true }).catch(() => {});
    await this.queue.close();
    const keys = await this.redis.keys(`${this.prefix}:*`);
    if (keys.length > 0) await this.redis.del(...keys);
    await this.redis.quit();
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** The steps of an upgrade, in the order the runbook journals and reports them. */
export const UPGRADE_STEPS = [
  "preflight",
  "layout",
  "prefetch",
  "stop",
  "upgrade",
  "start",
  "verify",
];
