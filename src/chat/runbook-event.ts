import type { PackageChange, PlanDifference } from "../domain/upgrade-plan.js";

/**
 * The chat-neutral message model: what a runbook tells people as it goes.
 * Slack, the console and the audit log all render these same events.
 */

/** The steps of the upgrade and rollback runbooks, in order. */
export const STEPS = [
  "preflight",
  "layout",
  "prefetch",
  "drain",
  "stop",
  "upgrade",
  "undo",
  "start",
  "verify",
] as const;
export type StepName = (typeof STEPS)[number];

/** A unit and the word `systemctl is-active` gave for it. */
export interface ServiceState {
  unit: string;
  state: string;
}

/** How a job ended. Expected endings are outcomes, not errors. */
export type JobOutcome =
  | {
      kind: "upgraded" | "rolled-back";
      changes: PackageChange[];
      /** The yum transaction this job made (what `rollback` would undo). */
      transactionId?: number;
      /** Stop started → every unit active again. */
      downtimeMs: number;
      totalMs: number;
      services: ServiceState[];
      /** Packages still pending afterwards (a release published meanwhile), if any. */
      stillPending: string[];
    }
  | { kind: "up-to-date"; totalMs: number }
  | { kind: "plan-drift"; difference: PlanDifference; totalMs: number }
  | { kind: "window-missed"; windowEnd: string; startedAt: string }
  /**
   * The request was cancelled after approval, before the job began (nothing
   * ran), or while it waited for sessions to end (`during: "drain"`; nothing
   * was stopped).
   */
  | { kind: "cancelled"; during?: "drain" }
  | {
      kind: "failed";
      step: StepName;
      /** A host failure code (`yum-lock`, `repo-unreachable`...), a connection code, or ours. */
      code: string;
      summary: string;
      evidence: string[];
      /** Whether the services were stopped at some point (so there was downtime). */
      downtimeStarted: boolean;
      /** The units' state at the end, after trying to start them again. */
      services: ServiceState[];
      /**
       * Set when the services may be down and the worker gave up: what a
       * person should run on the host, as root, to bring them back.
       */
      servicesDown?: { commands: string[] };
      totalMs: number;
    };

/** A job that changed the host's packages. */
export type ChangedOutcome = Extract<JobOutcome, { changes: PackageChange[] }>;

interface JobRef {
  requestId: string;
  host: string;
}

/** What a runbook reports, in order. */
export type RunbookEvent =
  | (JobRef & { type: "job-started"; kind: "upgrade" | "rollback"; resumed: boolean })
  | (JobRef & { type: "step-started"; step: StepName; command?: string })
  | (JobRef & {
      type: "step-finished";
      step: StepName;
      ok: boolean;
      exitCode: number | null;
      durationMs: number;
      /** The last lines of the command's output. */
      excerpt: string;
      /** The whole (capped) output, for a file upload where chat allows it. */
      output?: string;
      detail?: string;
    })
  /** The host stopped answering during the downtime: the worker keeps trying until `retryUntil`. */
  | (JobRef & {
      type: "connection-lost";
      step: StepName;
      reason: string;
      /** ISO time: when the worker stops trying. */
      retryUntil: string;
    })
  /**
   * Just before the stop: how many remote sessions the stop will cut (null
   * when they could not be counted, with why).
   */
  | (JobRef & { type: "sessions-before-stop"; count: number | null; unknown?: string })
  /**
   * The job waits for `count` sessions to end before the stop (the drain),
   * until `until` (ISO), then does `onTimeout`. Reported once when the wait
   * begins (again, `resumed`, by a job picked up after a lost worker).
   */
  | (JobRef & {
      type: "drain-waiting";
      count: number;
      until: string;
      /** Whether the window's end, not the policy's wait, is what ends it. */
      windowEnd: boolean;
      onTimeout: "proceed" | "abort";
      pollSeconds: number;
      resumed: boolean;
    })
  /** While draining: the count changed. */
  | (JobRef & { type: "drain-count"; count: number })
  /** The host answers again after `lostMs`: the worker reads its state and goes on. */
  | (JobRef & { type: "connection-restored"; lostMs: number; attempts: number })
  | (JobRef & { type: "job-finished"; outcome: JobOutcome });

/**
 * The Reporter port: where a runbook's events go. A reporter must never make
 * a runbook fail or wait on chat: implementations queue and return.
 */
export interface Reporter {
  report(event: RunbookEvent): void;
}
