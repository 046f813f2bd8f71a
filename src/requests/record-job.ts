import type { JobOutcome } from "../chat/runbook-event.js";
import type { ApprovalPolicy } from "../domain/upgrade-request.js";
import type { RequestRecords } from "./ports.js";

/** What recording a job's progress on its request needs. */
export interface RecordJobDeps {
  policy: ApprovalPolicy;
  requests: Pick<RequestRecords, "apply" | "get">;
  now: () => Date;
}

/** The job of `requestId` began on its host: the request is running. Repeating it changes nothing. */
export async function recordJobStarted(deps: RecordJobDeps, requestId: string): Promise<void> {
  await deps.requests.apply(requestId, { kind: "job-started", at: deps.now() }, deps.policy);
}

/**
 * The job of `requestId` ended with `outcome`: the request succeeded (any
 * ending but a failure: up to date, plan drift and a missed window changed
 * nothing and say so) or failed. Repeating it (a redelivered job) changes nothing.
 */
export async function recordJobFinished(
  deps: RecordJobDeps,
  requestId: string,
  outcome: JobOutcome,
): Promise<void> {
  await deps.requests.apply(
    requestId,
    { kind: "job-finished", at: deps.now(), ok: outcome.kind !== "failed" },
    deps.policy,
  );
}

/** Whether the request of a job was cancelled (then the job must not begin). */
export async function isCancelled(deps: RecordJobDeps, requestId: string): Promise<boolean> {
  return (await deps.requests.get(requestId))?.state === "cancelled";
}
