import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { JobOutcome, Reporter, RunbookEvent } from "../chat/runbook-event.js";
import type { PosterLogEntry } from "../slack/poster/index.js";

/** The slice of a BullMQ queue the job-state gauge reads. */
export interface CountableQueue {
  readonly name: string;
  getJobCounts(...types: JobState[]): Promise<Record<string, number>>;
}

/** The job states counted on each scrape (BullMQ's lists and sets). */
export const JOB_STATES = [
  "waiting",
  "prioritized",
  "delayed",
  "active",
  "waiting-children",
  "completed",
  "failed",
] as const;
export type JobState = (typeof JOB_STATES)[number];

/** What {@link createMetrics} needs; every field is optional. */
export interface MetricsOptions {
  /** Queues whose jobs are counted by state, on each scrape. @defaultValue none */
  queues?: readonly CountableQueue[];
  /** Node.js process metrics (`process_*`, `nodejs_*`). @defaultValue true */
  processMetrics?: boolean;
  /**
   * How long a scrape waits for one queue's counts, in ms: with Redis away a
   * count would wait for the reconnection, and the scrape with it.
   * @defaultValue 2000
   */
  countTimeoutMs?: number;
}

/** A process's metrics: the registry to serve, and the hooks that feed it. */
export interface Metrics {
  readonly registry: Registry;
  /**
   * Wraps a Reporter: each event goes to `inner` unchanged, and finished
   * steps and jobs are counted on the way (step durations, outcomes, failure codes).
   */
  reporter(inner: Reporter): Reporter;
  /** Counts what the Slack poster logs: retries (429s among them) and dropped messages. */
  posterLog(entry: PosterLogEntry): void;
}

const OUTCOMES: ReadonlyArray<JobOutcome["kind"]> = [
  "upgraded",
  "rolled-back",
  "up-to-date",
  "plan-drift",
  "window-missed",
  "cancelled",
  "failed",
];
const RETRY_FAILURES = ["rate-limited", "transient", "refused"] as const;

/**
 * Step durations run from a tenth of a second (layout) to the transaction
 * timeout (30 minutes by default): seconds, roughly 1-2.5-5 per decade.
 */
const STEP_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600];

/**
 * Makes the registry of kcm-chatops's Prometheus metrics:
 * - `kcm_queue_jobs{queue,state}`: jobs by state, read from the queues on each scrape;
 * - `kcm_runbook_step_duration_seconds{step,result}`: finished steps, `result` ok or failed;
 * - `kcm_runbook_outcomes_total{outcome}`: finished jobs by outcome kind;
 * - `kcm_runbook_failures_total{step,code}`: failed jobs by step and failure code;
 * - `kcm_slack_api_retries_total{failure}`: Slack calls the poster will try again;
 * - `kcm_slack_api_rate_limited_total`: of those, the ones Slack refused for its rate limit (HTTP 429);
 * - `kcm_slack_messages_dropped_total`: messages and edits the poster gave up on;
 * - Node.js's process metrics.
 */
export function createMetrics(options: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  const queues = options.queues ?? [];
  const countTimeoutMs = options.countTimeoutMs ?? 2000;
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });

  new Gauge({
    name: "kcm_queue_jobs",
    help: "Jobs in each BullMQ queue by state, read when scraped.",
    labelNames: ["queue", "state"] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const counted = await Promise.all(
        queues.map((queue) =>
          withTimeout(queue.getJobCounts(...JOB_STATES), countTimeoutMs).then(
            (counts) => ({ queue: queue.name, counts }),
            // Redis away: the queue's series are left out of this scrape rather than stale or invented.
            () => undefined,
          ),
        ),
      );
      for (const entry of counted) {
        if (entry === undefined) continue;
        for (const state of JOB_STATES) {
          this.set({ queue: entry.queue, state }, entry.counts[state] ?? 0);
        }
      }
    },
  });
  const stepSeconds = new Histogram({
    name: "kcm_runbook_step_duration_seconds",
    help: "How long each runbook step took, by step and result (ok or failed).",
    labelNames: ["step", "result"] as const,
    buckets: STEP_BUCKETS,
    registers: [registry],
  });
  const outcomes = new Counter({
    name: "kcm_runbook_outcomes_total",
    help: "Finished upgrade and rollback jobs by outcome.",
    labelNames: ["outcome"] as const,
    registers: [registry],
  });
  const failures = new Counter({
    name: "kcm_runbook_failures_total",
    help: "Failed jobs by the step that failed and the failure code (yum-lock, unreachable...).",
    labelNames: ["step", "code"] as const,
    registers: [registry],
  });
  const retries = new Counter({
    name: "kcm_slack_api_retries_total",
    help: "Slack API calls that failed and will be tried again, by kind of failure.",
    labelNames: ["failure"] as const,
    registers: [registry],
  });
  const rateLimited = new Counter({
    name: "kcm_slack_api_rate_limited_total",
    help: "Slack API calls refused for Slack's rate limit (HTTP 429 or ratelimited).",
    registers: [registry],
  });
  const dropped = new Counter({
    name: "kcm_slack_messages_dropped_total",
    help: "Messages, uploads and edits the Slack poster gave up on.",
    registers: [registry],
  });
  // Zeroes from the start, so that rate() and alerts see the first increase.
  for (const outcome of OUTCOMES) outcomes.inc({ outcome }, 0);
  for (const failure of RETRY_FAILURES) retries.inc({ failure }, 0);

  function observe(event: RunbookEvent): void {
    if (event.type === "step-finished" && Number.isFinite(event.durationMs)) {
      stepSeconds.observe(
        { step: event.step, result: event.ok ? "ok" : "failed" },
        Math.max(0, event.durationMs) / 1000,
      );
    } else if (event.type === "job-finished") {
      outcomes.inc({ outcome: event.outcome.kind });
      if (event.outcome.kind === "failed") {
        failures.inc({ step: event.outcome.step, code: event.outcome.code });
      }
    }
  }

  return {
    registry,
    reporter(inner) {
      return {
        report(event) {
          // A Reporter must never make a runbook fail: counting is best effort.
          try {
            observe(event);
          } catch {}
          inner.report(event);
        },
      };
    },
    posterLog(entry) {
      if (entry.event === "dropped") dropped.inc();
      if (entry.event !== "retrying" || entry.failure === undefined) return;
      if (entry.failure !== "permanent") retries.inc({ failure: entry.failure });
      if (entry.failure === "rate-limited") rateLimited.inc();
    },
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
