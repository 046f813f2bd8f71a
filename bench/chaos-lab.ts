import { setTimeout as sleep } from "node:timers/promises";
import { createLabHost, type LabHost } from "../test/lab/lab.js";
import type { OwnRedis } from "../test/support/start-own-redis.js";
import { UpgradeHarness, type WorkerProcess } from "../test/support/worker-harness.js";
import { watchDowntime } from "./watch-downtime.js";

/** One trial's findings, as the bench prints them. */
export interface TrialResult {
  kind: string;
  /** Where the fault hit: the journal's last entry at that moment. */
  phase: string;
  /** The job's end: `upgraded`, `failed: ...`, `stuck` (not ended in time), `lost` (gone). */
  job: string;
  servicesUp: boolean;
  /** All kcm-* packages at the new version. */
  versionsNew: boolean;
  /** yum transactions the upgrade made (1 is right). */
  transactions: number;
  lockLeft: boolean;
  /** How long the web application did not answer, from outside. */
  downMs: number;
  /** Seconds the job took to end after the fault. */
  note?: string;
}

/** What a trial does once its job is queued: the fault. Resolves with where it hit. */
export type Inject = (lab: ChaosLab, id: string) => Promise<string>;

const NEW = "2.24.1-1.el8";

/**
 * A lab host, a Redis of its own (so it can be killed), and worker
 * processes, for chaos trials. Every trial makes the host again (same slot,
 * name and key, so the workers' inventory still fits): 2.23.1 installed,
 * 2.24.1 published, the services up.
 */
export class ChaosLab {
  host!: LabHost;
  harness!: UpgradeHarness;
  workers: WorkerProcess[] = [];
  workerEnv: Record<string, string> = {};
  private count = 0;

  constructor(readonly redis: OwnRedis) {}

  async setUp(): Promise<void> {
    this.host = await createLabHost({ name: "chaos", release: "2.23.1", publish: ["2.24.1"] });
    this.harness = new UpgradeHarness(this.redis.url, [this.host]);
    await this.harness.setUp();
  }

  /** The product's settings, but for one job per worker, so that the two workers share the trials. */
  useWorkerEnv(env: Record<string, string>): void {
    this.workerEnv = { KCM_WORKER_CONCURRENCY: "1", KCM_HOST_LOCK_TTL_MS: "60000", ...env };
  }

  /** Keeps `n` live workers (started with the current env). */
  async ensureWorkers(n: number): Promise<void> {
    this.workers = this.workers.filter(
      (w) => w.child.exitCode === null && w.child.signalCode === null,
    );
    while (this.workers.length < n)
      this.workers.push(await this.harness.startWorker(this.workerEnv));
  }

  async stopWorkers(): Promise<void> {
    for (const w of this.workers) w.child.kill("SIGKILL");
    await Promise.all(this.workers.map((w) => w.exited));
    this.workers = [];
  }

  /** The worker running job `id` now: the last to log that it started or resumed it. */
  holder(id: string): WorkerProcess | undefined {
    let found: WorkerProcess | undefined;
    let latest = "";
    const said = new RegExp(`^\\[${id} chaos\\] (starting|resuming) upgrade$`);
    for (const w of this.workers) {
      for (const line of w.lines) {
        if (!line.startsWith("{")) continue;
        const { msg, time } = JSON.parse(line) as { msg?: string; time?: string };
        if (msg && time && said.test(msg) && time > latest) {
          found = w;
          latest = time;
        }
      }
    }
    return found;
  }

  /** Waits for the job to be running on some worker; resolves with that worker. */
  async running(id: string, timeoutMs = 30_000): Promise<WorkerProcess> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const w = this.holder(id);
      if (w) return w;
      if (Date.now() > deadline) throw new Error(`chaos: ${id} never started`);
      await sleep(10);
    }
  }

  /** The journal's last entry, as a phase name. */
  async phase(id: string): Promise<string> {
    const last = (await this.harness.journal(id)).at(-1);
    return last ? `${last.step} ${last.event}` : "before preflight";
  }

  /** Waits until the journal holds `step` `event`; resolves with the phase then. */
  async at(id: string, step: string, event: string, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await this.harness.journal(id)).some((e) => e.step === step && e.event === event)) {
      if (Date.now() > deadline) throw new Error(`chaos: ${id} never reached ${step} ${event}`);
      await sleep(10);
    }
  }

  /** One trial: a fresh host, a queued upgrade, the fault, and what is left afterwards. */
  async trial(
    kind: string,
    inject: Inject,
    options: { slowUpgradeS?: number; timeoutMs?: number } = {},
  ): Promise<TrialResult> {
    await this.host.destroy();
    this.host = await createLabHost({
      name: "chaos",
      release: "2.23.1",
      publish: ["2.24.1"],
      index: this.host.record.index,
    });
    if (options.slowUpgradeS) await this.host.fault("slow-upgrade", options.slowUpgradeS);
    await this.ensureWorkers(2);
    const id = `chaos-${++this.count}`;
    const plan = await this.harness.planFor(this.host);
    const watch = watchDowntime(this.host.address);
    await this.harness.enqueue(id, this.host, plan);
    let phase: string;
    try {
      phase = await inject(this, id);
    } catch (error) {
      phase = `fault not injected: ${error instanceof Error ? error.message : String(error)}`;
    }
    const job = await this.end(id, options.timeoutMs ?? 120_000);
    await sleep(1000);
    const { downMs, upAtEnd } = await watch.stop();
    const installed = await this.host.installed();
    const lock = await this.harness.redis.get(this.harness.keys.hostLock(this.host.name));
    return {
      kind,
      phase,
      job,
      servicesUp:
        upAtEnd &&
        (await this.host.unitState("guacamole")) === "active" &&
        (await this.host.unitState("guacd")) === "active",
      versionsNew: [...installed.values()].every((v) => v.replace(/^\d+:/, "") === NEW),
      transactions: (await this.host.lastTransaction()) - 1,
      lockLeft: lock !== null,
      downMs,
    };
  }

  /** How the job ended, or `stuck` after `timeoutMs`. */
  private async end(id: string, timeoutMs: number): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const state = await this.harness.queue.getJobState(id).catch(() => "unknown");
      if (state === "completed") {
        const job = await this.harness.queue.getJob(id);
        return String(job?.returnvalue?.kind ?? "completed");
      }
      if (state === "failed") {
        const job = await this.harness.queue.getJob(id);
        return `failed: ${job?.failedReason ?? "?"}`.slice(0, 60);
      }
      if (state === "unknown") return "lost";
      if (Date.now() > deadline) return `stuck (${state})`;
      await sleep(200);
    }
  }
}
