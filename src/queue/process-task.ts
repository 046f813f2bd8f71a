import type { Job } from "bullmq";
import { UnrecoverableError } from "bullmq";
import { type AdvanceDeps, advanceRollout } from "../requests/advance-rollout.js";
import { type CheckDeps, checkHosts } from "../requests/check-hosts.js";
import { type ExpireDeps, expireRequest } from "../requests/expire-request.js";
import { type NotifyFleetDeps, notifyFleet } from "../requests/notify-fleet.js";
import { type PlanDeps, planRequest } from "../requests/plan-request.js";
import { type PrefetchAheadDeps, prefetchAhead } from "../requests/prefetch-ahead.js";
import { taskSchema } from "./task-schemas.js";

/** What the task processor hands to the use cases. */
export interface TaskDeps {
  plan: PlanDeps;
  check: CheckDeps;
  expire: ExpireDeps;
  advance: AdvanceDeps;
  prefetch: PrefetchAheadDeps;
  notify: NotifyFleetDeps;
}

/**
 * BullMQ's processor for the task queue: validates each task on the first
 * line and hands it to its use case (plan a request, check hosts, expire a
 * request, move a rollout on). Resolves to one line on how it ended, for the
 * job's record.
 */
export function taskProcessor(deps: TaskDeps) {
  return async (job: Job): Promise<string> => {
    const parsed = taskSchema.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`invalid task: ${parsed.error.message}`);
    const task = parsed.data;
    switch (task.kind) {
      case "plan": {
        const { kind: _, ...input } = task;
        const result = await planRequest(deps.plan, input);
        return result.kind === "refused" ? result.reason : `${result.kind} ${result.requestId}`;
      }
      case "check": {
        const { kind: _, ...input } = task;
        const count = await checkHosts(deps.check, input);
        return count === undefined ? "unknown target" : `${count} checked`;
      }
      case "expire": {
        const expired = await expireRequest(deps.expire, task.requestId);
        return expired ? "expired" : "not expired: decided meanwhile";
      }
      case "advance":
        return advanceRollout(deps.advance, task.requestId);
      case "prefetch":
        return prefetchAhead(deps.prefetch, task.requestId, task.host);
      case "fleet-check": {
        const notice = await notifyFleet(deps.notify);
        return notice ? "notice posted" : "nothing changed";
      }
    }
  };
}
