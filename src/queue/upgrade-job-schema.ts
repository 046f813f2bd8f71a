import { z } from "zod";
import { NAME_PATTERN } from "../config/inventory-schema.js";
import { REQUEST_ID } from "../domain/request-id.js";

// rpm's character sets, the same ones kcm/commands.ts insists on before a command is built.
const version = z.object({
  epoch: z
    .number()
    .int()
    .min(0)
    .max(2 ** 31),
  version: z.string().regex(/^[A-Za-z0-9._+~^]{1,64}$/),
  release: z.string().regex(/^[A-Za-z0-9._+~^]{1,64}$/),
});

const plannedPackage = z.object({
  name: z.string().regex(/^kcm-[A-Za-z0-9][A-Za-z0-9._+-]{0,99}$/),
  arch: z.string().regex(/^[a-z0-9_]{1,16}$/),
  from: version.nullable(),
  to: version,
});

export { REQUEST_ID };

const jobFields = z.object({
  requestId: z.string().regex(REQUEST_ID),
  host: z.string().regex(NAME_PATTERN),
  plan: z.object({
    host: z.string().regex(NAME_PATTERN),
    packages: z.array(plannedPackage).max(200),
    hash: z.string().regex(/^[0-9a-f]{64}$/),
  }),
  window: z.object({ start: z.iso.datetime(), end: z.iso.datetime() }),
  requestedBy: z.string().min(1).max(200),
  approvedBy: z.string().min(1).max(200),
  layout: z.enum(["auto", "standalone", "tomcat"]),
});

type JobFields = z.infer<typeof jobFields>;
const samePlanHost = (job: JobFields) => job.plan.host === job.host;
const windowInOrder = (job: JobFields) => Date.parse(job.window.start) < Date.parse(job.window.end);

/**
 * An approved upgrade as it travels through the queue. Parsed on the
 * processor's first line: a job that does not fit never touches a host.
 */
export const upgradeJobSchema = jobFields
  .refine(samePlanHost, { message: "the plan is for another host", path: ["plan", "host"] })
  .refine(windowInOrder, { message: "the window ends before it starts", path: ["window"] });
export type UpgradeJobData = z.infer<typeof upgradeJobSchema>;

/**
 * An approved rollback: undo transaction `transactionId`; its plan goes from
 * the versions that transaction installed back to the ones before.
 */
export const rollbackJobSchema = jobFields
  .extend({ transactionId: z.number().int().min(1) })
  .refine(samePlanHost, { message: "the plan is for another host", path: ["plan", "host"] })
  .refine(windowInOrder, { message: "the window ends before it starts", path: ["window"] });
export type RollbackJobData = z.infer<typeof rollbackJobSchema>;
