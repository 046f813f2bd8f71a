import type { Inventory } from "../config/inventory-schema.js";
import type { AuditLog } from "../domain/audit-event.js";
import type { ApprovalPolicy, UpgradeRequest } from "../domain/upgrade-request.js";
import type { Decision, JobQueue, RequestChat, RequestRecords, TaskQueue } from "./ports.js";

/** What deciding a request needs. */
export interface DecideDeps {
  inventory: Pick<Inventory, "hosts">;
  /** The approvers now (a group's members change). */
  approvalPolicy: () => ApprovalPolicy;
  requests: Pick<RequestRecords, "apply">;
  chat: Pick<RequestChat, "decided">;
  jobs: JobQueue;
  /** A rollout's coordinator: started by the approval, woken by a cancel. */
  tasks: Pick<TaskQueue, "advanceRollout">;
  audit: AuditLog;
}

/**
 * Applies a person's decision to a request (through the store's
 * compare-and-set, so simultaneous clicks make one decision), queues the job
 * when the request is now approved (or takes a queued job off when it is
 * cancelled), then tells the thread and the audit stream. Resolves to why
 * the decision was refused (for the person, privately), or undefined.
 */
export async function decideRequest(
  deps: DecideDeps,
  requestId: string,
  decision: Decision,
): Promise<string | undefined> {
  const transition = await deps.requests.apply(requestId, decision, deps.approvalPolicy());
  if (!transition.ok) return transition.reason;
  const request = transition.request;
  // The queue first, right after the decision is stored: a thread or audit
  // write that fails must not leave an approved request without its job.
  if (transition.enqueue) await enqueue(deps, request, decision.by);
  if (request.state === "cancelled") {
    // A job already queued must not start: take it off the queue (a job that
    // already began finds the request cancelled and stops before any downtime).
    // A rollout's coordinator ends it once its hosts in flight have finished.
    if (request.rollout) await deps.tasks.advanceRollout(request.id, "cancelled");
    else await deps.jobs.remove(request.id);
  }
  await deps.chat.decided(request, decision);
  await deps.audit.append({
    requestId,
    host: request.host,
    who: decision.by,
    what: `request-${decision.kind}`,
    detail: `now ${request.state}`,
  });
  return undefined;
}

async function enqueue(deps: DecideDeps, request: UpgradeRequest, approvedBy: string) {
  if (request.rollout) {
    await deps.tasks.advanceRollout(request.id, "approved");
    return;
  }
  const host = deps.inventory.hosts.find((h) => h.name === request.host);
  const job = {
    requestId: request.id,
    host: request.host,
    plan: request.plan,
    window: request.runWindow,
    requestedBy: request.requestedBy,
    approvedBy,
    layout: host?.layout ?? "auto",
  };
  if (request.kind === "rollback" && request.transactionId !== undefined) {
    await deps.jobs.enqueueRollback({ ...job, transactionId: request.transactionId });
  } else {
    await deps.jobs.enqueueUpgrade(job);
  }
}

/** `/kcm cancel <id>`: what to tell the person. */
export async function cancelRequest(
  deps: DecideDeps,
  requestId: string,
  by: string,
  at: Date,
): Promise<string> {
  const refused = await decideRequest(deps, requestId, { kind: "cancel", by, at });
  return refused ?? `Cancelled \`${requestId}\`.`;
}
