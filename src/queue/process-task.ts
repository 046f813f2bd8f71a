import type { Job, Queue } from "bullmq";
import { UnrecoverableError } from "bullmq";
import type { Redis } from "ioredis";
import type { Inventory } from "../config/inventory-schema.js";
import type { AppEnv } from "../config/read-env.js";
import { resolveTarget } from "../config/resolve-target.js";
import { chooseRunWindow } from "../domain/choose-run-window.js";
import { makeRollbackPlan, makeUpgradePlan, type UpgradePlan } from "../domain/upgrade-plan.js";
import { type ApprovalPolicy, newRequest } from "../domain/upgrade-request.js";
import type { HostCheck } from "../kcm/host-check.js";
import type { PackageVersion } from "../kcm/package-version.js";
import { checkFleet } from "../runbook/check-fleet.js";
import { checkHost } from "../runbook/check-host.js";
import { checkBlocks } from "../slack/blocks/check-blocks.js";
import { requestBlocks } from "../slack/blocks/request-blocks.js";
import type { SlackPoster } from "../slack/poster/index.js";
import { rootKey, updateRoot, windowLabelOf } from "../slack/request-view.js";
import { respondEphemeral } from "../slack/respond.js";
import { sshConnector } from "../ssh/ssh-connector.js";
import { RedisAuditLog } from "../store/redis-audit-log.js";
import { newRequestId, type RequestStore } from "../store/request-store.js";
import type { StoreKeys } from "../store/store-keys.js";
import { type CheckTask, type PlanTask, taskSchema } from "./task-schemas.js";

/** What the task processor needs from the worker process. */
export interface TaskContext {
  redis: Redis;
  keys: StoreKeys;
  env: AppEnv;
  inventory: Inventory;
  policy: ApprovalPolicy;
  poster: SlackPoster;
  store: RequestStore;
  tasks: Queue;
  now?: () => Date;
  log?: (line: string) => void;
}

/** BullMQ's processor for the task queue: plan (a new request), check, expire. */
export function taskProcessor(ctx: TaskContext) {
  const now = ctx.now ?? (() => new Date());
  const connect = sshConnector(ctx.inventory.hosts, {
    connectTimeoutMs: ctx.env.sshConnectTimeoutMs,
  });
  const tell = async (responseUrl: string | undefined, text: string) => {
    const problem = await respondEphemeral(responseUrl, text);
    if (problem) ctx.log?.(`could not answer the requester (${problem}): ${text}`);
  };

  const plan = async (task: PlanTask): Promise<string> => {
    const host = ctx.inventory.hosts.find((h) => h.name === task.host);
    if (!host)
      return tell(task.responseUrl, `There is no host \`${task.host}\` in the inventory.`).then(
        () => "unknown host",
      );
    let planned: UpgradePlan;
    let transactionId: number | undefined;
    if (task.requestKind === "rollback") {
      const raw = await ctx.redis.get(ctx.keys.lastTransaction(host.name));
      if (!raw) {
        await tell(
          task.responseUrl,
          `kcm-chatops has no upgrade of \`${host.name}\` on record to roll back.`,
        );
        return "nothing to roll back";
      }
      const last = JSON.parse(raw) as {
        transactionId: number;
        changes: { name: string; arch: string; from: PackageVersion | null; to: PackageVersion }[];
      };
      planned = makeRollbackPlan(host.name, last.changes);
      transactionId = last.transactionId;
    } else {
      const check = await checkHost(host, {
        connect,
        commandTimeoutMs: ctx.env.checkCommandTimeoutMs,
      });
      if (check.problems.length > 0 || check.pending === undefined) {
        const problem = check.problems[0];
        await tell(
          task.responseUrl,
          `Cannot plan an upgrade of \`${host.name}\`: ${problem?.summary ?? "no answer"}${problem?.evidence[0] ? `\n> ${problem.evidence[0]}` : ""}`,
        );
        return "check failed";
      }
      if (check.pending.length === 0) {
        await tell(
          task.responseUrl,
          `\`${host.name}\` is up to date (KCM ${check.kcmVersion ?? "?"}): nothing to approve.`,
        );
        return "up to date";
      }
      planned = makeUpgradePlan(host.name, check.pending);
    }
    const window = host.window ? ctx.inventory.windows.get(host.window) : undefined;
    const choice = chooseRunWindow(task.when, window, now(), ctx.policy.expiryMinutes);
    if (!choice.ok) {
      await tell(task.responseUrl, `Cannot schedule \`${host.name}\`: ${choice.reason}`);
      return "no window";
    }
    const request = newRequest(
      {
        id: newRequestId(),
        kind: task.requestKind,
        host: host.name,
        plan: planned,
        ...(transactionId === undefined ? {} : { transactionId }),
        requestedBy: task.requestedBy,
        channel: task.channel,
        when: task.when,
        runWindow: choice.runWindow,
        emergency: choice.emergency,
      },
      ctx.policy,
      now(),
    );
    const stored = await ctx.store.create(request, `trigger:${task.triggerId}`);
    if (!stored.created) return `duplicate of ${stored.id}`;
    await ctx.poster.post({
      channel: task.channel,
      key: rootKey(request.id),
      content: requestBlocks(request, { windowLabel: windowLabelOf(request, ctx.inventory) }),
    });
    await new RedisAuditLog(ctx.redis, ctx.keys).append({
      requestId: request.id,
      host: request.host,
      who: task.requestedBy,
      what: `${request.kind}-requested`,
      detail: `plan ${request.plan.hash}; runs ${request.runWindow.start} to ${request.runWindow.end}${request.emergency ? " (emergency)" : ""}`,
    });
    await ctx.tasks.add(
      "expire",
      { kind: "expire", requestId: request.id },
      {
        jobId: `expire-${request.id}`,
        delay: Math.max(0, Date.parse(request.expiresAt) - now().getTime()),
        removeOnComplete: true,
      },
    );
    return `request ${request.id}`;
  };

  const check = async (task: CheckTask): Promise<string> => {
    const target = resolveTarget(ctx.inventory, task.target);
    if (target.kind !== "hosts")
      return tell(task.responseUrl, `No host or group \`${task.target}\`.`).then(() => "unknown");
    // A host being upgraded is not checked: its yum lock belongs to the upgrade.
    const busy = new Map<string, string>();
    for (const host of target.hosts) {
      const holder = await ctx.redis.get(ctx.keys.hostLock(host.name));
      if (holder) busy.set(host.name, (JSON.parse(holder) as { jobId: string }).jobId);
    }
    const checked = await checkFleet(
      target.hosts.filter((h) => !busy.has(h.name)),
      {
        connect,
        concurrency: ctx.env.checkConcurrency,
        commandTimeoutMs: ctx.env.checkCommandTimeoutMs,
      },
    );
    const checks = target.hosts.map(
      (h): HostCheck =>
        checked.find((c) => c.host === h.name) ?? {
          host: h.name,
          durationMs: 0,
          problems: [
            {
              source: "lock",
              code: "upgrade-running",
              summary: `request ${busy.get(h.name)} is upgrading this host right now; check it again when it is done`,
              evidence: [],
            },
          ],
        },
    );
    await ctx.poster.post({
      channel: task.channel,
      content: checkBlocks(task.target, checks, task.requestedBy),
    });
    return `${checks.length} checked`;
  };

  return async (job: Job): Promise<string> => {
    const parsed = taskSchema.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`invalid task: ${parsed.error.message}`);
    const task = parsed.data;
    if (task.kind === "plan") return plan(task);
    if (task.kind === "check") return check(task);
    const t = await ctx.store.apply(task.requestId, { kind: "expire", at: now() }, ctx.policy);
    if (!t.ok) return `not expired: ${t.reason}`;
    await updateRoot(ctx.poster, t.request, ctx.inventory);
    await ctx.poster.post({
      channel: t.request.channel,
      thread: { key: rootKey(t.request.id) },
      content: {
        text: ":hourglass: Expired: nobody approved it in time. Nothing was run. Ask again with `/kcm upgrade`.",
      },
    });
    return "expired";
  };
}
