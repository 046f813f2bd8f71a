import { DelayedError, type Job, UnrecoverableError } from "bullmq";
import type { Redis } from "ioredis";
import type { Reporter } from "../chat/runbook-event.js";
import type { HostConfig } from "../config/inventory-schema.js";
import type { AppEnv } from "../config/read-env.js";
import { hostCommands } from "../kcm/host-commands.js";
import { probeServices } from "../kcm/probe-services.js";
import { runRollback } from "../runbook/run-rollback.js";
import { runUpgrade } from "../runbook/run-upgrade.js";
import type { JobOutcome, RunbookDeps } from "../runbook/runbook-ports.js";
import { SshSession } from "../ssh/ssh-session.js";
import { acquireHostLock } from "../store/host-lock.js";
import { RedisAuditLog } from "../store/redis-audit-log.js";
import { RedisJournal } from "../store/redis-journal.js";
import type { StoreKeys } from "../store/store-keys.js";
import { rollbackJobSchema, upgradeJobSchema } from "./upgrade-job-schema.js";

/** What the upgrade processor needs from the worker process. */
export interface UpgradeWorkerContext {
  redis: Redis;
  keys: StoreKeys;
  workerId: string;
  env: AppEnv;
  host: (name: string) => HostConfig | undefined;
  reporter: Reporter & { flush?: () => Promise<void> };
  /** Whether the job's request was cancelled meanwhile (then the job does nothing). */
  isCancelled?: (requestId: string) => Promise<boolean>;
  now?: () => number;
}

/**
 * BullMQ's processor for upgrade jobs: validates the job, waits for its
 * window and its host, holds the host lock (renewed, fenced) while the
 * runbook runs, releases it on every way out. A failed outcome fails the
 * job without retry; the other outcomes complete it with the outcome.
 */
export function upgradeProcessor(ctx: UpgradeWorkerContext) {
  const now = ctx.now ?? Date.now;
  return async (job: Job, token?: string): Promise<JobOutcome> => {
    const parsed = (job.name === "rollback" ? rollbackJobSchema : upgradeJobSchema).safeParse(
      job.data,
    );
    if (!parsed.success) throw new UnrecoverableError(`invalid job data: ${parsed.error.message}`);
    const data = parsed.data;
    const host = ctx.host(data.host);
    if (!host) throw new UnrecoverableError(`host ${data.host} is not in the inventory`);
    const start = Date.parse(data.window.start);
    if (now() < start) {
      // Picked up early (clock skew, or a manual promote): wait for the window.
      await job.moveToDelayed(start, token);
      throw new DelayedError();
    }
    const acquired = await acquireHostLock(
      ctx.redis,
      ctx.keys,
      data.host,
      { jobId: data.requestId, workerId: ctx.workerId },
      ctx.env.hostLockTtlMs,
    );
    if (acquired.kind === "busy") {
      await new RedisAuditLog(ctx.redis, ctx.keys).append({
        requestId: data.requestId,
        host: data.host,
        who: ctx.workerId,
        what: "waiting-for-host",
        detail: `job ${acquired.holder.jobId} holds ${data.host}`,
      });
      await job.moveToDelayed(now() + ctx.env.busyRetryMs, token);
      throw new DelayedError();
    }
    const lock = acquired.lock;
    lock.keepAlive();
    if (await ctx.isCancelled?.(data.requestId)) {
      await lock.release();
      return { kind: "cancelled" };
    }
    try {
      const deps: RunbookDeps = {
        connect: () =>
          // An inventory host is an SSH target: name, address, port, user, key, pinned host key.
          SshSession.open(host, { connectTimeoutMs: ctx.env.sshConnectTimeoutMs }),
        commands: hostCommands(host),
        journal: new RedisJournal(ctx.redis, ctx.keys, data.requestId, data.host, lock.token),
        reporter: ctx.reporter,
        audit: new RedisAuditLog(ctx.redis, ctx.keys),
        now,
        sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
        timeouts: {
          commandMs: ctx.env.checkCommandTimeoutMs,
          transactionMs: ctx.env.transactionTimeoutMs,
          pollMs: 1000,
          lockWaitMs: 120_000,
          reconnectMarginMs: ctx.env.reconnectMarginMs,
          reconnectMaxDelayMs: ctx.env.reconnectMaxDelayMs,
        },
        ...(host.health
          ? {
              probe: () =>
                probeServices({
                  address: host.address,
                  ...(host.health?.webUrl ? { webUrl: host.health.webUrl } : {}),
                  ...(host.health?.guacdPort ? { guacdPort: host.health.guacdPort } : {}),
                }),
            }
          : {}),
        holdsLock: () => lock.held,
      };
      const undo = "transactionId" in data ? Number(data.transactionId) : undefined;
      const outcome =
        undo !== undefined ? await runRollback(data, undo, deps) : await runUpgrade(data, deps);
      if (outcome.kind === "rolled-back") await ctx.redis.del(ctx.keys.lastTransaction(data.host));
      if (outcome.kind === "upgraded" && outcome.transactionId !== undefined) {
        await ctx.redis.set(
          ctx.keys.lastTransaction(data.host),
          JSON.stringify({
            requestId: data.requestId,
            transactionId: outcome.transactionId,
            changes: outcome.changes,
          }),
        );
      }
      if (outcome.kind === "failed")
        throw new UnrecoverableError(`${outcome.step}: ${outcome.summary}`);
      return outcome;
    } finally {
      await lock.release();
    }
  };
}
