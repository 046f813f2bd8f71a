import { z } from "zod";
import { TARGET_PATTERN } from "../domain/names.js";
import { REQUEST_ID } from "../domain/request-id.js";

/** The queue of the bot's slow work: checks, plans, expiries (all need a worker, some SSH). */
export const TASK_QUEUE = "kcm-tasks";

const when = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("next-window") }),
  z.object({ kind: z.literal("now") }),
  z.object({ kind: z.literal("at"), text: z.string().max(100) }),
]);
const slackId = z.string().regex(/^[A-Z0-9]{2,30}$/);
const responseUrl = z.string().url().max(500).optional();

/** Make a fresh plan for a host (or a rollout's hosts) and post it as an approval request. */
export const planTaskSchema = z.object({
  kind: z.literal("plan"),
  requestKind: z.enum(["upgrade", "rollback"]),
  /** A host; for an upgrade also a group, `all` or `host,host,...`. */
  host: z.string().regex(TARGET_PATTERN),
  when,
  requestedBy: slackId,
  channel: slackId,
  /** Slack's id of the command invocation: one request per invocation, retries included. */
  triggerId: z.string().min(1).max(200),
  responseUrl,
});

/** Check hosts and post one summary message. */
export const checkTaskSchema = z.object({
  kind: z.literal("check"),
  target: z.string().regex(TARGET_PATTERN),
  requestedBy: slackId,
  channel: slackId,
  triggerId: z.string().min(1).max(200),
  responseUrl,
});

/** A request's approval time is up. */
export const expireTaskSchema = z.object({
  kind: z.literal("expire"),
  requestId: z.string().regex(REQUEST_ID),
});

/** Move a rollout on: start its next hosts, or finish it. */
export const advanceTaskSchema = z.object({
  kind: z.literal("advance"),
  requestId: z.string().regex(REQUEST_ID),
});

/** Download a rollout host's packages before its turn. */
export const prefetchTaskSchema = z.object({
  kind: z.literal("prefetch"),
  requestId: z.string().regex(REQUEST_ID),
  host: z.string().regex(TARGET_PATTERN),
});

/** The scheduled fleet check: tell the channel what changed (fired by the queue's job scheduler). */
export const fleetCheckTaskSchema = z.object({ kind: z.literal("fleet-check") });

/** The job scheduler's id: one schedule for the whole deployment, however many processes set it. */
export const FLEET_CHECK_SCHEDULER = "fleet-check";

export const taskSchema = z.discriminatedUnion("kind", [
  fleetCheckTaskSchema,
  planTaskSchema,
  checkTaskSchema,
  expireTaskSchema,
  advanceTaskSchema,
  prefetchTaskSchema,
]);
export type Task = z.infer<typeof taskSchema>;
export type PlanTask = z.infer<typeof planTaskSchema>;
export type CheckTask = z.infer<typeof checkTaskSchema>;

/** A BullMQ-safe job id from Slack's trigger id (digits, dots and hex). */
export function taskJobId(kind: string, triggerId: string): string {
  return `${kind}-${triggerId.replace(/[^A-Za-z0-9]/g, "-")}`;
}
