/**
 * An upgrade or rollback request from chat, and the rules for deciding it:
 * who may approve, confirm, reject or cancel, until when, and in which state.
 * Pure and immutable: every transition returns a new request, or the reason
 * it was refused, written for the person who clicked.
 */

import { z } from "zod";
import type { WindowInstance } from "./maintenance-window.js";
import { NAME_PATTERN, TARGET_PATTERN } from "./names.js";
import type { WhenSpec } from "./parse-kcm-command.js";
import { REQUEST_ID } from "./request-id.js";
import { rolloutSchema } from "./rollout.js";
import { upgradePlanSchema } from "./upgrade-plan.js";

/**
 * Where a request is. `pending` waits for an approver; `awaiting-emergency`
 * waits for that approver's second confirmation; `approved` is queued;
 * `running` may be in its downtime. The last five are terminal.
 */
export const requestStateSchema = z.enum([
  "pending",
  "awaiting-emergency",
  "approved",
  "running",
  "succeeded",
  "failed",
  "rejected",
  "cancelled",
  "expired",
]);
export type RequestState = z.infer<typeof requestStateSchema>;

/** States no action leaves. */
export const TERMINAL_STATES: ReadonlySet<RequestState> = new Set([
  "succeeded",
  "failed",
  "rejected",
  "cancelled",
  "expired",
]);

/** Who decides, and how long a request waits for them. */
export interface ApprovalPolicy {
  /** Slack user ids. */
  approvers: ReadonlySet<string>;
  /** @defaultValue 60 (set in config) */
  expiryMinutes: number;
}

const isoTime = z.string().refine((text) => !Number.isNaN(Date.parse(text)), "not a time");

/** One decision or event in a request's life, oldest first: the audit of the request. */
export const historyEntrySchema = z.object({
  /** ISO 8601. */
  at: isoTime,
  /** A Slack user id, or {@link BOT_ACTOR} for expiry and job events. */
  by: z.string().min(1),
  /** `requested`, `approved`, `confirmed-emergency`, `rejected`, `cancelled`, `expired`, `started`, `succeeded`, `failed`. */
  action: z.string().min(1),
  note: z.string().exactOptional(),
});
export type HistoryEntry = z.infer<typeof historyEntrySchema>;

const whenSpecSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("next-window") }),
  z.object({ kind: z.literal("now") }),
  z.object({ kind: z.literal("at"), text: z.string() }),
]) satisfies z.ZodType<WhenSpec>;

/** A request as stored: plain JSON, so it round-trips through Redis, checked as it is read back. */
export const upgradeRequestSchema = z.object({
  id: z.string().regex(REQUEST_ID),
  kind: z.enum(["upgrade", "rollback"]),
  /** The host; for a rollout, what was asked for (a group, `all`, or `host,host,...`). */
  host: z.string().regex(TARGET_PATTERN),
  plan: upgradePlanSchema,
  /** The yum transaction a rollback undoes; rollback only. */
  transactionId: z.number().int().min(1).exactOptional(),
  /** Slack user id. */
  requestedBy: z.string().min(1),
  /** The chat channel whose thread is the request's audit trail. */
  channel: z.string().min(1),
  /** ISO 8601. */
  createdAt: isoTime,
  /** ISO 8601: no approval, confirmation or rejection from this instant on. */
  expiresAt: isoTime,
  when: whenSpecSchema,
  /** When the job may start its downtime: the window or the emergency slot it runs in. */
  runWindow: z.object({ start: isoTime, end: isoTime }),
  /** "now" outside any window: approval needs an explicit second confirmation. */
  emergency: z.boolean(),
  state: requestStateSchema,
  /** The audit of decisions, oldest first. */
  history: z.array(historyEntrySchema),
  /** The approver; for an emergency, set at the first click and confirmed by the second. */
  approvedBy: z.string().exactOptional(),
  /**
   * A fleet request (a group, `all` or a list): every host's plan, in
   * rollout order. Then `host` is the target's label and `plan` the fleet's
   * plan (no packages of its own; its hash is over every host's plan).
   */
  rollout: rolloutSchema.exactOptional(),
  /** Active remote sessions on the host when it was planned (null: could not be counted). */
  sessions: z.number().int().min(0).nullable().exactOptional(),
});
export type UpgradeRequest = z.infer<typeof upgradeRequestSchema>;

/** Something that happens to a request: a click in chat, the clock, or the job. */
export type Action =
  | { kind: "approve"; by: string; at: Date }
  | { kind: "confirm-emergency"; by: string; at: Date }
  | { kind: "reject"; by: string; at: Date; reason?: string }
  | { kind: "cancel"; by: string; at: Date }
  | { kind: "expire"; at: Date }
  | { kind: "job-started"; at: Date }
  /** The job waits for `sessions` remote sessions to end before the stop: a cancel may end it now. */
  | { kind: "drain-started"; at: Date; sessions: number }
  /** The wait is over and the stop begins: a cancel no longer may. */
  | { kind: "drain-ended"; at: Date }
  | { kind: "job-finished"; at: Date; ok: boolean };

/** The new request and whether to queue its job now, or why the action was refused. */
export type Transition =
  | { ok: true; request: UpgradeRequest; enqueue: boolean }
  | { ok: false; reason: string };

/** The actor recorded for events nobody clicked: expiry and the job's progress. */
export const BOT_ACTOR = "kcm-chatops";

/**
 * What a new request is made of (the id matches `REQUEST_ID`, the host
 * `NAME_PATTERN` and the plan's host; `transactionId` for a rollback only);
 * the rest comes from the policy and the clock.
 */
export type NewRequestInput = Pick<
  UpgradeRequest,
  | "id"
  | "kind"
  | "host"
  | "plan"
  | "transactionId"
  | "requestedBy"
  | "channel"
  | "when"
  | "emergency"
  | "rollout"
  | "sessions"
> & {
  /** The window, or the emergency slot, the job may start its downtime in. */
  runWindow: WindowInstance;
};

/**
 * A pending request, expiring `policy.expiryMinutes` after `now`. Throws a
 * RangeError for input no caller should produce (a malformed id or host, a
 * plan for another host, a rollback without a transaction, an empty window).
 */
export function newRequest(
  input: NewRequestInput,
  policy: ApprovalPolicy,
  now: Date,
): UpgradeRequest {
  const problem = inputProblem(input, policy);
  if (problem !== undefined) throw new RangeError(problem);
  const {
    id,
    kind,
    host,
    plan,
    transactionId,
    requestedBy,
    channel,
    when,
    runWindow,
    emergency,
    rollout,
    sessions,
  } = input;
  const createdAt = now.toISOString();
  return {
    id,
    kind,
    host,
    plan,
    ...(transactionId === undefined ? {} : { transactionId }),
    requestedBy,
    channel,
    createdAt,
    expiresAt: new Date(now.getTime() + policy.expiryMinutes * 60_000).toISOString(),
    when,
    runWindow: { start: runWindow.start.toISOString(), end: runWindow.end.toISOString() },
    emergency,
    state: "pending",
    history: [{ at: createdAt, by: requestedBy, action: "requested" }],
    ...(rollout === undefined ? {} : { rollout }),
    ...(sessions === undefined ? {} : { sessions }),
  };
}

function inputProblem(input: NewRequestInput, policy: ApprovalPolicy): string | undefined {
  const { id, kind, host, plan, transactionId, requestedBy, runWindow } = input;
  if (!REQUEST_ID.test(id)) return `request id "${id}" does not match ${REQUEST_ID}`;
  const pattern = input.rollout === undefined ? NAME_PATTERN : TARGET_PATTERN;
  if (!pattern.test(host)) return `host "${host}" does not match ${pattern}`;
  if (plan.host !== host) return `the plan is for "${plan.host}", not "${host}"`;
  if (input.rollout !== undefined && kind !== "upgrade") return "only an upgrade is a rollout";
  if ((kind === "rollback") !== (transactionId !== undefined)) {
    return "a rollback, and only a rollback, names the transaction it undoes";
  }
  if (transactionId !== undefined && !(Number.isInteger(transactionId) && transactionId > 0)) {
    return `transaction id ${transactionId} is not a positive whole number`;
  }
  if (requestedBy === "") return "the requester is missing";
  if (!(runWindow.start < runWindow.end)) return "the run window ends before it starts";
  if (!(Number.isFinite(policy.expiryMinutes) && policy.expiryMinutes > 0)) {
    return `expiry of ${policy.expiryMinutes} minutes is not positive`;
  }
  return undefined;
}

/**
 * Applies one action. Refusals are values with a reason for the person who
 * clicked; the request is never changed in place. The rules:
 * - approve, confirm-emergency and reject: approvers only, never the
 *   requester, and not from `expiresAt` on (until `expire` makes it expired);
 * - approve of a normal request: approved, enqueue. Of an emergency:
 *   awaiting-emergency, and only the same approver's confirm-emergency
 *   approves it and enqueues. `enqueue` is true at most once in a request's life;
 * - cancel: the requester or an approver, until the job starts (an approved
 *   job that finds its request cancelled must not start), or while it waits
 *   for sessions to end before the stop; a running rollout too: no new host
 *   starts, and the hosts in flight finish;
 * - drain-started and drain-ended: a running single host's job begins and
 *   ends its wait for sessions; drain-ended is refused once the request was
 *   cancelled, so a cancel and the stop never both happen;
 * - expire: a pending or awaiting-emergency request, from `expiresAt` on;
 * - job-started: approved to running; job-finished: running (or approved,
 *   for a job that ended before it started, e.g. window missed) to succeeded or failed.
 */
export function applyAction(
  request: UpgradeRequest,
  action: Action,
  policy: ApprovalPolicy,
): Transition {
  switch (action.kind) {
    case "approve":
      return approve(request, action, policy);
    case "confirm-emergency":
      return confirmEmergency(request, action, policy);
    case "reject":
      return reject(request, action, policy);
    case "cancel":
      return cancel(request, action, policy);
    case "expire":
      if (!isUndecided(request.state)) return refused(stateReason(request));
      if (action.at.getTime() < Date.parse(request.expiresAt)) {
        return refused(`not expired yet: it expires at ${utc(request.expiresAt)}`);
      }
      return moved(request, "expired", { at: action.at, by: BOT_ACTOR, action: "expired" });
    case "job-started":
      if (request.state !== "approved") return refused(`cannot start: ${stateReason(request)}`);
      return moved(request, "running", { at: action.at, by: BOT_ACTOR, action: "started" });
    case "drain-started": {
      if (request.state !== "running") return refused(`cannot wait: ${stateReason(request)}`);
      if (isDraining(request)) return refused("already waiting for sessions to end");
      const note = `waiting for ${action.sessions} active session${action.sessions === 1 ? "" : "s"} to end before the stop`;
      return moved(request, "running", { at: action.at, by: BOT_ACTOR, action: "draining", note });
    }
    case "drain-ended":
      if (request.state !== "running") return refused(`cannot stop: ${stateReason(request)}`);
      return moved(request, "running", { at: action.at, by: BOT_ACTOR, action: "drained" });
    case "job-finished": {
      if (request.state !== "running" && request.state !== "approved") {
        return refused(`cannot finish: ${stateReason(request)}`);
      }
      const outcome = action.ok ? "succeeded" : "failed";
      return moved(request, outcome, { at: action.at, by: BOT_ACTOR, action: outcome });
    }
  }
}

type Click = { by: string; at: Date };

function approve(request: UpgradeRequest, action: Click, policy: ApprovalPolicy): Transition {
  if (request.state !== "pending") return refused(stateReason(request));
  const problem = deciderProblem(request, action, policy, "approve");
  if (problem !== undefined) return refused(problem);
  const entry = { at: action.at, by: action.by, action: "approved" };
  if (request.emergency) {
    const note = "emergency outside the maintenance window: waiting for the approver to confirm";
    return moved(request, "awaiting-emergency", { ...entry, note }, { approvedBy: action.by });
  }
  return moved(request, "approved", entry, { approvedBy: action.by }, true);
}

function confirmEmergency(
  request: UpgradeRequest,
  action: Click,
  policy: ApprovalPolicy,
): Transition {
  if (request.state === "pending") {
    return refused(
      request.emergency
        ? "nothing to confirm yet: approve the request first"
        : "this request is not an emergency: approve it instead",
    );
  }
  if (request.state !== "awaiting-emergency") return refused(stateReason(request));
  const problem = deciderProblem(request, action, policy, "confirm");
  if (problem !== undefined) return refused(problem);
  if (action.by !== request.approvedBy) {
    return refused(
      `only ${mention(request.approvedBy ?? "")}, who approved it, can confirm the emergency`,
    );
  }
  const entry = { at: action.at, by: action.by, action: "confirmed-emergency" };
  return moved(request, "approved", entry, {}, true);
}

function reject(
  request: UpgradeRequest,
  action: Click & { reason?: string },
  policy: ApprovalPolicy,
): Transition {
  if (!isUndecided(request.state)) return refused(stateReason(request));
  const problem = deciderProblem(request, action, policy, "reject");
  if (problem !== undefined) return refused(problem);
  const note = action.reason?.trim();
  const entry = { at: action.at, by: action.by, action: "rejected" };
  return moved(request, "rejected", note ? { ...entry, note } : entry);
}

function cancel(request: UpgradeRequest, action: Click, policy: ApprovalPolicy): Transition {
  const draining = request.state === "running" && isDraining(request);
  if (request.state === "running" && request.rollout === undefined && !draining) {
    return refused(
      `cannot cancel: the ${request.kind} is running since ${utc(entryOf(request, "started")?.at)} and downtime may have started; it finishes on its own and reports here`,
    );
  }
  if (!isUndecided(request.state) && request.state !== "approved" && request.state !== "running") {
    return refused(stateReason(request));
  }
  if (action.by !== request.requestedBy && !policy.approvers.has(action.by)) {
    return refused(
      `only ${mention(request.requestedBy)}, who asked for it, or an approver can cancel it`,
    );
  }
  const entry = { at: action.at, by: action.by, action: "cancelled" };
  if (draining && request.rollout === undefined) {
    const note = "while waiting for sessions to end: nothing was stopped";
    return moved(request, "cancelled", { ...entry, note });
  }
  if (request.state === "running") {
    const note = "no new host starts; the hosts in flight finish";
    return moved(request, "cancelled", { ...entry, note });
  }
  return moved(request, "cancelled", entry);
}

/** Why `by` may not approve, confirm or reject now, if they may not. */
function deciderProblem(
  request: UpgradeRequest,
  action: Click,
  policy: ApprovalPolicy,
  verb: "approve" | "confirm" | "reject",
): string | undefined {
  if (action.by === request.requestedBy) {
    return verb === "reject"
      ? `${mention(action.by)} asked for this ${request.kind}: use Cancel to withdraw it`
      : `${mention(action.by)} asked for this ${request.kind}: nobody approves their own request, another approver must`;
  }
  if (!policy.approvers.has(action.by)) {
    return `only approvers can ${verb} this ${request.kind}, and ${mention(action.by)} is not one`;
  }
  if (action.at.getTime() >= Date.parse(request.expiresAt)) {
    return `expired at ${utc(request.expiresAt)}: ask again with /kcm ${request.kind} ${request.host}`;
  }
  return undefined;
}

/** "cancelled by <@U…>" (or "cancelled"), as a rollout says why its hosts never started. */
export function cancelledBy(request: UpgradeRequest): string {
  const by = request.history.findLast((h) => h.action === "cancelled")?.by;
  return by ? `cancelled by ${mention(by)}` : "cancelled";
}

/** Whether a single host's job waits for sessions to end now (a cancel may still end it). */
export function isDraining(request: UpgradeRequest): boolean {
  const last = request.history.findLast((h) => h.action === "draining" || h.action === "drained");
  return last?.action === "draining";
}

function isUndecided(state: RequestState): boolean {
  return state === "pending" || state === "awaiting-emergency";
}

/** Where the request is and since when, told from its history: why an action does not apply. */
function stateReason(request: UpgradeRequest): string {
  const last = request.history.at(-1);
  const by = mention(last?.by ?? "");
  switch (request.state) {
    case "pending":
      return "it has not been approved yet";
    case "awaiting-emergency": {
      const approver = mention(request.approvedBy ?? "");
      return `already approved by ${approver} at ${utc(entryOf(request, "approved")?.at)}; waiting for ${approver} to confirm the emergency`;
    }
    case "approved":
      return `already approved by ${mention(request.approvedBy ?? "")} at ${utc(last?.at)}`;
    case "running":
      return `already running since ${utc(entryOf(request, "started")?.at ?? last?.at)}`;
    case "succeeded":
    case "failed":
      return `already finished: ${request.state} at ${utc(last?.at)}`;
    case "rejected":
      return `rejected by ${by} at ${utc(last?.at)}${last?.note ? `: ${last.note}` : ""}`;
    case "cancelled":
      return `cancelled by ${by} at ${utc(last?.at)}`;
    case "expired":
      return `expired at ${utc(request.expiresAt)} without a decision`;
  }
}

function entryOf(request: UpgradeRequest, action: string): HistoryEntry | undefined {
  return request.history.findLast((entry) => entry.action === action);
}

function mention(user: string): string {
  return user === BOT_ACTOR ? BOT_ACTOR : `<@${user}>`;
}

/** `2026-11-28 01:00 UTC`. */
function utc(iso: string | undefined): string {
  return iso === undefined ? "an unknown time" : `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

function refused(reason: string): Transition {
  return { ok: false, reason };
}

function moved(
  request: UpgradeRequest,
  state: RequestState,
  entry: { at: Date; by: string; action: string; note?: string },
  changes: { approvedBy?: string } = {},
  enqueue = false,
): Transition {
  const recorded: HistoryEntry = { ...entry, at: entry.at.toISOString() };
  return {
    ok: true,
    request: { ...request, ...changes, state, history: [...request.history, recorded] },
    enqueue,
  };
}
