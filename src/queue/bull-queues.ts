import type { Queue } from "bullmq";
import type { RollbackJob, UpgradeJob } from "../domain/upgrade-job.js";
import type { JobQueue, TaskQueue } from "../requests/ports.js";
import { enqueueRollback, enqueueUpgrade } from "./enqueue-upgrade.js";
import { FLEET_CHECK_SCHEDULER, taskJobId } from "./task-schemas.js";

/** The approved jobs' queue, as the request use cases see it. */
export function bullJobQueue(queue: Queue, now: () => Date = () => new Date()): JobQueue {
  return {
    async enqueueUpgrade(job: UpgradeJob) {
      await enqueueUpgrade(queue, job, now().getTime());
    },
    async enqueueRollback(job: RollbackJob) {
      await enqueueRollback(queue, job, now().getTime());
    },
    async remove(requestId) {
      await queue.remove(requestId).catch(() => 0);
    },
  };
}

/**
 * A finished plan or check task is kept this long: a command Slack retries,
 * or a signed request replayed (Slack accepts a signature for 5 minutes),
 * finds its job id taken and adds nothing.
 */
const KEEP_FINISHED_TASK = { age: 3600 };

/**
 * The task queue (plans, checks, expiries), as the listeners and use cases
 * see it. Each task's job id comes from what made it (the command's trigger
 * id, the request), so a retried command or a repeated expiry adds nothing.
 */
export function bullTaskQueue(queue: Queue, now: () => Date = () => new Date()): TaskQueue {
  return {
    async plan(input) {
      await queue.add(
        "plan",
        { kind: "plan", ...input },
        {
          jobId: taskJobId(`plan-${input.host}`, input.triggerId),
          removeOnComplete: KEEP_FINISHED_TASK,
        },
      );
    },
    async check(input) {
      await queue.add(
        "check",
        { kind: "check", ...input },
        { jobId: taskJobId("check", input.triggerId), removeOnComplete: KEEP_FINISHED_TASK },
      );
    },
    async advanceRollout(requestId, cause) {
      await queue.add(
        "advance",
        { kind: "advance", requestId },
        {
          jobId: taskJobId(`advance-${requestId}`, cause),
          removeOnComplete: KEEP_FINISHED_TASK,
          // A coordinator lost mid-way is harmless to repeat: every step is idempotent.
          attempts: 5,
          backoff: { type: "exponential", delay: 1000 },
        },
      );
    },
    async prefetchAhead(requestId, host) {
      await queue.add(
        "prefetch",
        { kind: "prefetch", requestId, host },
        { jobId: `prefetch-${requestId}-${host}`, removeOnComplete: KEEP_FINISHED_TASK },
      );
    },
    async scheduleFleetCheck(schedule) {
      if (!schedule) {
        await queue.removeJobScheduler(FLEET_CHECK_SCHEDULER);
        return;
      }
      await queue.upsertJobScheduler(
        FLEET_CHECK_SCHEDULER,
        { pattern: schedule.check, tz: schedule.timeZone },
        {
          name: "fleet-check",
          data: { kind: "fleet-check" },
          opts: { removeOnComplete: 100, removeOnFail: 100 },
        },
      );
    },
    async expireAt(requestId, at) {
      await queue.add(
        "expire",
        { kind: "expire", requestId },
        {
          jobId: `expire-${requestId}`,
          delay: Math.max(0, at.getTime() - now().getTime()),
          removeOnComplete: true,
        },
      );
    },
  };
}
