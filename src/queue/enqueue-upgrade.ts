import type { Queue } from "bullmq";
import {
  jobIdOf,
  type RollbackJob,
  rollbackJobSchema,
  type UpgradeJob,
  upgradeJobSchema,
} from "../domain/upgrade-job.js";

const DAY_S = 24 * 3600;

/** Queues a parsed job under its job id (the request's, or a rollout host's); no blind retries. */
function add(queue: Queue, name: "upgrade" | "rollback", job: UpgradeJob, now: number) {
  return queue.add(name, job, {
    jobId: jobIdOf(job),
    delay: Math.max(0, Date.parse(job.window.start) - now),
    // Never retried blindly: a redelivery resumes from the journal instead.
    attempts: 1,
    removeOnComplete: { age: 30 * DAY_S },
    removeOnFail: { age: 90 * DAY_S },
  });
}

/**
 * Puts an approved upgrade on the queue, to start at its window's start.
 * The request id is the job id, so enqueueing the same request twice (a
 * double click, a retried message) adds one job. Throws on invalid data.
 */
export async function enqueueUpgrade(
  queue: Queue,
  data: UpgradeJob,
  now: number = Date.now(),
): Promise<{ jobId: string }> {
  const job = upgradeJobSchema.parse(data);
  await add(queue, "upgrade", job, now);
  return { jobId: jobIdOf(job) };
}

/** Puts an approved rollback on the queue, like {@link enqueueUpgrade}. */
export async function enqueueRollback(
  queue: Queue,
  data: RollbackJob,
  now: number = Date.now(),
): Promise<{ jobId: string }> {
  const job = rollbackJobSchema.parse(data);
  await add(queue, "rollback", job, now);
  return { jobId: job.requestId };
}
