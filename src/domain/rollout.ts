/**
 * A fleet rollout: the order hosts go in (a canary alone, then batches), and
 * what to do next given where each host is. Pure: the use case
 * (requests/advance-rollout) reads the hosts' states, asks {@link nextRolloutStep}
 * and does what it says.
 */

import { z } from "zod";
import { NAME_PATTERN } from "./names.js";
import { upgradePlanSchema } from "./upgrade-plan.js";

/** How a group's hosts go: how many first and alone, how many at a time after, and what a failure does. */
export const rolloutPolicySchema = z.object({
  /** Hosts that go first, one batch, before any other. */
  canary: z.number().int().min(0),
  /** Hosts at a time after the canary. */
  maxParallel: z.number().int().min(1),
  /** `stop`: no host starts after a failure; `continue`: the others go on. */
  onFailure: z.enum(["stop", "continue"]),
});
export type RolloutPolicy = z.infer<typeof rolloutPolicySchema>;

/** One canary, then one host at a time, stopping at the first failure. */
export const DEFAULT_ROLLOUT_POLICY: RolloutPolicy = {
  canary: 1,
  maxParallel: 1,
  onFailure: "stop",
};

const isoTime = z.string().refine((text) => !Number.isNaN(Date.parse(text)), "not a time");

/** A host of a rollout: its plan and the window its downtime must start in. */
export const rolloutHostSchema = z.object({
  host: z.string().regex(NAME_PATTERN),
  plan: upgradePlanSchema,
  runWindow: z.object({ start: isoTime, end: isoTime }),
  /** Active remote sessions when it was planned (null: could not be counted). */
  sessions: z.number().int().min(0).nullable().exactOptional(),
});
export type RolloutHost = z.infer<typeof rolloutHostSchema>;

/** A host the rollout leaves out at plan time, and why (for the request message). */
export const leftOutHostSchema = z.object({
  host: z.string().regex(NAME_PATTERN),
  reason: z.string().min(1),
});
export type LeftOutHost = z.infer<typeof leftOutHostSchema>;

/** What a fleet request holds beyond a single host's: every host's plan, in rollout order. */
export const rolloutSchema = z.object({
  hosts: z.array(rolloutHostSchema).min(1),
  leftOut: z.array(leftOutHostSchema),
  policy: rolloutPolicySchema,
});
export type Rollout = z.infer<typeof rolloutSchema>;

/** How a host's job ended, in a rollout. */
export const hostEndingSchema = z.enum([
  "upgraded",
  "up-to-date",
  "plan-drift",
  "window-missed",
  "cancelled",
  "failed",
]);
export type HostEnding = z.infer<typeof hostEndingSchema>;

/** Where one host of a rollout is. */
export const hostRunSchema = z.discriminatedUnion("state", [
  z.object({ state: z.literal("waiting") }),
  /** On the queue, waiting for its window or a worker. */
  z.object({ state: z.literal("queued"), at: isoTime }),
  z.object({ state: z.literal("running"), at: isoTime, step: z.string().exactOptional() }),
  z.object({
    state: z.literal("done"),
    ending: hostEndingSchema,
    at: isoTime,
    /** One line for the root message: a failure's step and summary, a drift's difference. */
    note: z.string().exactOptional(),
    downtimeMs: z.number().min(0).exactOptional(),
  }),
  /** Never started: the reason is a phrase ("window closed"). */
  z.object({ state: z.literal("not-started"), reason: z.string().min(1) }),
]);
export type HostRun = z.infer<typeof hostRunSchema>;

/** Whether a host's run is over (done or never started). */
export const isSettled = (run: HostRun) => run.state === "done" || run.state === "not-started";

/**
 * The batches hosts go in: the first `canary` hosts alone (one batch), then
 * `maxParallel` at a time, in the rollout's order.
 */
export function rolloutBatches<T>(hosts: readonly T[], policy: RolloutPolicy): T[][] {
  const batches: T[][] = [];
  const canary = Math.min(policy.canary, hosts.length);
  if (canary > 0) batches.push(hosts.slice(0, canary));
  for (let i = canary; i < hosts.length; i += policy.maxParallel) {
    batches.push(hosts.slice(i, i + policy.maxParallel));
  }
  return batches;
}

/** What the rollout does next. */
export type RolloutStep =
  /** Queue these hosts' jobs; the others stay as they are. */
  | { kind: "start"; hosts: string[]; notStarted: { host: string; reason: string }[] }
  /** Hosts are queued or running: wait for one to finish. */
  | { kind: "wait" }
  /** Nothing more starts and nothing runs: mark these never started; `ok` when no host failed. */
  | { kind: "finish"; notStarted: { host: string; reason: string }[]; ok: boolean };

/** What {@link nextRolloutStep} looks at. */
export interface RolloutState {
  rollout: Pick<Rollout, "hosts" | "policy">;
  runs: ReadonlyMap<string, HostRun>;
  /** Set when somebody cancelled the request: the phrase to say ("cancelled by <@U1>"). */
  stoppedBy?: string;
  now: Date;
}

/**
 * The next step of a rollout. Hosts go batch by batch; a batch starts when
 * every host before it is settled. A failure (with `onFailure: stop`) or a
 * cancel starts nothing more: hosts in flight finish, the others are listed
 * as never started. A host whose window has ended by its batch's turn is
 * "not started (window closed)"; nobody's downtime starts outside its window.
 */
export function nextRolloutStep(state: RolloutState): RolloutStep {
  const { rollout, runs, now } = state;
  const runOf = (host: string): HostRun => runs.get(host) ?? { state: "waiting" };
  const waiting = rollout.hosts.filter((h) => runOf(h.host).state === "waiting");
  const inFlight = rollout.hosts.some(
    (h) => !isSettled(runOf(h.host)) && runOf(h.host).state !== "waiting",
  );
  const failed = rollout.hosts.find((h) => {
    const run = runOf(h.host);
    return run.state === "done" && run.ending === "failed";
  });
  const stopReason =
    state.stoppedBy ??
    (failed && rollout.policy.onFailure === "stop" ? `stopped: ${failed.host} failed` : undefined);
  if (stopReason !== undefined) {
    if (inFlight) return { kind: "wait" };
    return {
      kind: "finish",
      notStarted: waiting.map((h) => ({ host: h.host, reason: stopReason })),
      ok: failed === undefined,
    };
  }
  for (const batch of rolloutBatches(rollout.hosts, rollout.policy)) {
    const pending = batch.filter((h) => !isSettled(runOf(h.host)));
    if (pending.length === 0) continue;
    if (pending.some((h) => runOf(h.host).state !== "waiting")) return { kind: "wait" };
    const closed = pending.filter((h) => now.getTime() >= Date.parse(h.runWindow.end));
    const open = pending.filter((h) => now.getTime() < Date.parse(h.runWindow.end));
    return {
      kind: "start",
      hosts: open.map((h) => h.host),
      notStarted: closed.map((h) => ({ host: h.host, reason: "window closed" })),
    };
  }
  return { kind: "finish", notStarted: [], ok: failed === undefined };
}

/** A rollout host's job id: the request id and the host's place in the rollout (a file name on the host). */
export function rolloutJobId(requestId: string, index: number): string {
  return `${requestId}-h${index + 1}`;
}
