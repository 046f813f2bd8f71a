import type { JobOutcome } from "../chat/runbook-event.js";
import type { HostEnding } from "../domain/rollout.js";
import { type ApprovalPolicy, cancelledBy } from "../domain/upgrade-request.js";
import type { RequestRecords, RolloutRuns, TaskQueue } from "./ports.js";

/** What recording a job's progress on its request needs. */
export interface RecordJobDeps {
  policy: ApprovalPolicy;
  requests: Pick<RequestRecords, "apply" | "get">;
  /** A rollout host's progress, and the rollout moved on when a host ends. */
  runs: Pick<RolloutRuns, "set">;
  tasks: Pick<TaskQueue, "advanceRollout">;
  now: () => Date;
}

/** The job, as recording it needs it: a rollout host's job has its own `jobId`. */
export interface JobRef {
  requestId: string;
  host: string;
  jobId?: string;
}

/**
 * The job began on its host: the request is running (a rollout's, from its
 * first host on), and a rollout host is "running". Repeating it changes nothing.
 */
export async function recordJobStarted(deps: RecordJobDeps, job: JobRef): Promise<void> {
  const at = deps.now();
  await deps.requests.apply(job.requestId, { kind: "job-started", at }, deps.policy);
  if (job.jobId !== undefined) {
    await deps.runs.set(job.requestId, job.host, { state: "running", at: at.toISOString() });
  }
}

/** A rollout host's job reached `step`: shown on the rollout's root message. */
export async function recordJobStep(deps: RecordJobDeps, job: JobRef, step: string): Promise<void> {
  if (job.jobId === undefined) return;
  const at = deps.now().toISOString();
  await deps.runs.set(job.requestId, job.host, { state: "running", at, step });
}

/**
 * The request's say over a job's wait for sessions to end (the runbook's
 * RequestGate). A single host's wait is on the request (a cancel may end it
 * while it lasts; the end of the wait and a cancel are one compare-and-set).
 * A rollout host's only reads the rollout: cancelled, its hosts in flight
 * that have not stopped yet end with nothing stopped.
 */
export function requestGate(deps: RecordJobDeps, job: JobRef) {
  const cancelled = async () => (await deps.requests.get(job.requestId))?.state === "cancelled";
  return {
    async draining(sessions: number): Promise<void> {
      if (job.jobId !== undefined) return;
      const action = { kind: "drain-started" as const, at: deps.now(), sessions };
      await deps.requests.apply(job.requestId, action, deps.policy);
    },
    cancelled,
    async pass(): Promise<boolean> {
      if (job.jobId !== undefined) return !(await cancelled());
      const action = { kind: "drain-ended" as const, at: deps.now() };
      return (await deps.requests.apply(job.requestId, action, deps.policy)).ok;
    },
  };
}

/**
 * The job ended with `outcome`. A single host's request succeeded (any
 * ending but a failure: up to date, plan drift and a missed window changed
 * nothing and say so) or failed. A rollout host's ending is recorded on the
 * rollout, which then moves on. Repeating it (a redelivered job) changes nothing.
 */
export async function recordJobFinished(
  deps: RecordJobDeps,
  job: JobRef,
  outcome: JobOutcome,
): Promise<void> {
  const at = deps.now();
  if (job.jobId === undefined) {
    await deps.requests.apply(
      job.requestId,
      { kind: "job-finished", at, ok: outcome.kind !== "failed" },
      deps.policy,
    );
    return;
  }
  const note = endingNote(outcome);
  await deps.runs.set(job.requestId, job.host, {
    state: "done",
    ending: endingOf(outcome),
    at: at.toISOString(),
    ...(note === undefined ? {} : { note }),
    ...("downtimeMs" in outcome ? { downtimeMs: outcome.downtimeMs } : {}),
  });
  await deps.tasks.advanceRollout(job.requestId, `after-${job.host}`);
}

/**
 * Whether the job's request was cancelled (then the job must not begin). A
 * rollout host's job that finds it so is recorded as never started, and
 * the rollout moves on (to its end).
 */
export async function isCancelled(deps: RecordJobDeps, job: JobRef): Promise<boolean> {
  const request = await deps.requests.get(job.requestId);
  if (request?.state !== "cancelled") return false;
  if (job.jobId !== undefined) {
    await deps.runs.set(job.requestId, job.host, {
      state: "not-started",
      reason: cancelledBy(request),
    });
    await deps.tasks.advanceRollout(job.requestId, `after-${job.host}`);
  }
  return true;
}

function endingOf(outcome: JobOutcome): HostEnding {
  return outcome.kind === "rolled-back" ? "upgraded" : outcome.kind;
}

function endingNote(outcome: JobOutcome): string | undefined {
  switch (outcome.kind) {
    case "failed":
      return `${outcome.step}: ${outcome.summary}`;
    case "plan-drift":
      return "plan drift: what is pending changed since the approval";
    case "window-missed":
      return `window closed at ${outcome.windowEnd.slice(11, 16)} UTC before the job could start`;
    default:
      return undefined;
  }
}
