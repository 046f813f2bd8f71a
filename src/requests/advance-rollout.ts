import type { Inventory } from "../config/inventory-schema.js";
import type { AuditLog } from "../domain/audit-event.js";
import { type HostRun, nextRolloutStep, rolloutBatches, rolloutJobId } from "../domain/rollout.js";
import {
  type ApprovalPolicy,
  cancelledBy,
  type UpgradeRequest,
} from "../domain/upgrade-request.js";
import type {
  HealthGate,
  JobQueue,
  RequestChat,
  RequestRecords,
  RolloutRuns,
  TaskQueue,
} from "./ports.js";

/** What moving a rollout on needs. */
export interface AdvanceDeps {
  inventory: Pick<Inventory, "hosts">;
  policy: ApprovalPolicy;
  requests: Pick<RequestRecords, "get" | "apply">;
  runs: RolloutRuns;
  jobs: Pick<JobQueue, "enqueueUpgrade">;
  /** Downloads ahead: the next batch's packages while this one runs. */
  tasks: Pick<TaskQueue, "prefetchAhead">;
  gate: HealthGate;
  chat: Pick<RequestChat, "rolloutProgress" | "rolloutFinished">;
  audit: AuditLog;
  now: () => Date;
}

/**
 * Moves an approved rollout on, after its approval, a host's end, or a
 * cancel: starts the next batch (after the health gate passes on the batch
 * before), or marks what will never start and finishes the request. Safe to
 * run twice at once or again after a crash: a host leaves "waiting" once,
 * its job id is fixed, and the end is posted and audited once. Resolves to
 * one line on what it did, for the task's record.
 */
export async function advanceRollout(deps: AdvanceDeps, requestId: string): Promise<string> {
  for (;;) {
    const request = await deps.requests.get(requestId);
    if (!request?.rollout) return "not a rollout";
    const approved = request.history.some((h) => h.action === "approved");
    const live =
      request.state === "approved" || request.state === "running" || request.state === "cancelled";
    if (!approved || !live) return `nothing to do: the request is ${request.state}`;
    const runs = await deps.runs.all(requestId);
    const step = nextRolloutStep({
      rollout: request.rollout,
      runs,
      ...(request.state === "cancelled" ? { stoppedBy: cancelledBy(request) } : {}),
      now: deps.now(),
    });
    if (step.kind === "wait") {
      await deps.chat.rolloutProgress(request, runs);
      return "waiting for hosts in flight";
    }
    for (const { host, reason } of step.notStarted) {
      await deps.runs.leaveWaiting(requestId, host, { state: "not-started", reason });
    }
    if (step.kind === "finish") {
      await finish(deps, request, step.ok);
      return step.ok ? "finished" : "finished with failures or hosts not started";
    }
    if (step.hosts.length === 0) continue;
    const unhealthy = await gate(deps, request, runs, step.hosts);
    if (unhealthy) continue;
    for (const host of step.hosts) await start(deps, request, host);
    for (const host of nextBatch(request, step.hosts))
      await deps.tasks.prefetchAhead(requestId, host);
    await deps.chat.rolloutProgress(request, await deps.runs.all(requestId));
    return `started ${step.hosts.join(", ")}`;
  }
}

/** The hosts of the batch after the one that holds `started`. */
function nextBatch(request: UpgradeRequest, started: readonly string[]): string[] {
  const rollout = request.rollout;
  if (!rollout) return [];
  const batches = rolloutBatches(rollout.hosts, rollout.policy);
  const index = batches.findIndex((b) => b.some((h) => h.host === started[0]));
  return (batches[index + 1] ?? []).map((h) => h.host);
}

/**
 * The health gate before a batch: the hosts upgraded in the batch before
 * must still have their services active (and pass their probe). A host that
 * fails it is recorded as failed, so the rollout's failure rule applies.
 * Resolves true when one failed.
 */
async function gate(
  deps: AdvanceDeps,
  request: UpgradeRequest,
  runs: ReadonlyMap<string, HostRun>,
  next: readonly string[],
): Promise<boolean> {
  const rollout = request.rollout;
  if (!rollout) return false;
  const batches = rolloutBatches(rollout.hosts, rollout.policy);
  const index = batches.findIndex((b) => b.some((h) => h.host === next[0]));
  const before = (batches[index - 1] ?? []).filter((h) => {
    const run = runs.get(h.host);
    return run?.state === "done" && run.ending === "upgraded";
  });
  const hosts = deps.inventory.hosts.filter((h) => before.some((b) => b.host === h.name));
  if (hosts.length === 0) return false;
  const failures = await deps.gate.check(hosts);
  for (const { host, problem } of failures) {
    const run = runs.get(host);
    await deps.runs.set(request.id, host, {
      state: "done",
      ending: "failed",
      at: deps.now().toISOString(),
      note: `health gate: ${problem}`,
      ...(run?.state === "done" && run.downtimeMs !== undefined
        ? { downtimeMs: run.downtimeMs }
        : {}),
    });
    await deps.audit.append({
      requestId: request.id,
      host,
      who: "kcm-chatops",
      what: "health-gate-failed",
      detail: problem,
      once: `${request.id}:gate:${host}`,
    });
  }
  return failures.length > 0;
}

/** Queues one host's job: once, under the host's fixed job id. */
async function start(deps: AdvanceDeps, request: UpgradeRequest, host: string): Promise<void> {
  const rollout = request.rollout;
  const index = rollout?.hosts.findIndex((h) => h.host === host) ?? -1;
  const planned = rollout?.hosts[index];
  if (!planned) return;
  // Marked first: a job that starts at once writes "running" over it, never the other way round.
  await deps.runs.leaveWaiting(request.id, host, {
    state: "queued",
    at: deps.now().toISOString(),
  });
  await deps.jobs.enqueueUpgrade({
    requestId: request.id,
    jobId: rolloutJobId(request.id, index),
    host,
    plan: planned.plan,
    window: planned.runWindow,
    requestedBy: request.requestedBy,
    approvedBy: request.approvedBy ?? "unknown",
    layout: deps.inventory.hosts.find((h) => h.name === host)?.layout ?? "auto",
  });
}

/** Nothing more starts or runs: the request ends (a cancelled one stays cancelled), said once. */
async function finish(deps: AdvanceDeps, request: UpgradeRequest, ok: boolean): Promise<void> {
  const at = deps.now();
  if (request.state === "approved" || request.state === "running") {
    await deps.requests.apply(request.id, { kind: "job-finished", at, ok }, deps.policy);
  }
  const ended = (await deps.requests.get(request.id)) ?? request;
  const runs = await deps.runs.all(request.id);
  const count = (test: (run: HostRun | undefined) => boolean) =>
    ended.rollout?.hosts.filter((h) => test(runs.get(h.host))).length ?? 0;
  await deps.audit.append({
    requestId: request.id,
    host: request.host,
    who: "kcm-chatops",
    what: "rollout-finished",
    detail: `${ended.state}: ${count((r) => r?.state === "done" && r.ending === "upgraded")} upgraded, ${count((r) => r?.state === "done" && r.ending === "failed")} failed, ${count((r) => r?.state === "not-started")} not started`,
    once: `${request.id}:rollout-finished`,
  });
  await deps.chat.rolloutFinished(ended, runs);
}
