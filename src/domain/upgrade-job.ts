import { z } from "zod";
import { NAME_PATTERN } from "./names.js";
import { REQUEST_ID } from "./request-id.js";
import { upgradePlanSchema } from "./upgrade-plan.js";

const jobFields = z.object({
  requestId: z.string().regex(REQUEST_ID),
  /**
   * A rollout host's job: its own id (the queue's job id, its journal, its
   * files on the host), under the rollout's request. A single host's job is
   * known by its request id.
   */
  jobId: z.string().regex(REQUEST_ID).exactOptional(),
  host: z.string().regex(NAME_PATTERN),
  plan: upgradePlanSchema,
  /** The maintenance window the downtime must start in (ISO times). */
  window: z.object({ start: z.iso.datetime(), end: z.iso.datetime() }),
  requestedBy: z.string().min(1).max(200),
  approvedBy: z.string().min(1).max(200),
  /** The inventory's layout setting for the host. */
  layout: z.enum(["auto", "standalone", "tomcat"]),
});

type JobFields = z.infer<typeof jobFields>;
const samePlanHost = (job: JobFields) => job.plan.host === job.host;
const windowInOrder = (job: JobFields) => Date.parse(job.window.start) < Date.parse(job.window.end);

/**
 * An approved upgrade as it travels through the queue and as the runbook
 * runs it. Parsed on the processor's first line: a job that does not fit
 * never touches a host.
 */
export const upgradeJobSchema = jobFields
  .refine(samePlanHost, { message: "the plan is for another host", path: ["plan", "host"] })
  .refine(windowInOrder, { message: "the window ends before it starts", path: ["window"] });
export type UpgradeJob = z.infer<typeof upgradeJobSchema>;

/**
 * An approved rollback: undo transaction `transactionId`; its plan goes from
 * the versions that transaction installed back to the ones before.
 */
export const rollbackJobSchema = jobFields
  .extend({ transactionId: z.number().int().min(1) })
  .refine(samePlanHost, { message: "the plan is for another host", path: ["plan", "host"] })
  .refine(windowInOrder, { message: "the window ends before it starts", path: ["window"] });
export type RollbackJob = z.infer<typeof rollbackJobSchema>;

/** The id a job is known by: the queue's job id, its journal's and its host lock's. */
export function jobIdOf(job: { requestId: string; jobId?: string }): string {
  return job.jobId ?? job.requestId;
}
