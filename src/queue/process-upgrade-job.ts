import { DelayedError, type Job, UnrecoverableError } from "bullmq";
import type { Redis } from "ioredis";
import { sessionsPhrase } from "../chat/describe-outcome.js";
import type { Reporter } from "../chat/runbook-event.js";
import type { HostConfig } from "../config/inventory-schema.js";
import type { AppEnv } from "../config/read-env.js";
import { jobIdOf, rollbackJobSchema, upgradeJobSchema } from "../domain/upgrade-job.js";
import { hostCommands } from "../kcm/host-commands.js";
import { probeServices } from "../kcm/probe-services.js";
import {
  isCancelled,
  type RecordJobDeps,
  recordJobFinished,
  recordJobStarted,
  recordJobStep,
  requestGate,
} from "../requests/record-job.js";
import { backoffMs } from "../runbook/regain-host.js";
import { runRollback } from "../runbook/run-rollback.js";
import { runUpgrade } from "../runbook/run-upgrade.js";
import { HandBackError, LockLostError, StoreUnavailableError } from "../runbook/runbook-failure.js";
import type { JobOutcome, RunbookDeps } from "../runbook/runbook-ports.js";
import { SshSession } from "../ssh/ssh-session.js";
import { acquireHostLock, type HostLock } from "../store/host-lock.js";
import { RedisAuditLog } from "../store/redis-audit-log.js";
import { RedisJournal } from "../store/redis-journal.js";
import type { StoreKeys } from "../store/store-keys.js";
import { isUnreachable } from "../store/store-unavailable.js";
import { RedisUpgradeRecords } from "../store/upgrade-records.js";

/** What the upgrade processor needs from the worker process. */
export interface UpgradeWorkerContext {
  /** The queue's connection (commands wait while Redis is away): last-upgrade records. */
  redis: Redis;
  /**
   * A fail-fast connection for the host lock, the journal and the audit
   * stream: a write Redis cannot take fails at once, so the runbook never
   * waits on it with the services down. @defaultValue `redis`
   */
  store?: Redis;
  keys: StoreKeys;
  workerId: string;
  env: AppEnv;
  host: (name: string) => HostConfig | undefined;
  reporter: Reporter & { flush?: () => Promise<void> };
  /**
   * The job's request, where there is one (a bot sent the job): the job does
   * nothing if it was cancelled meanwhile, and its start and end are
   * recorded on it.
   */
  requests?: RecordJobDeps;
  /** Aborted when the process is stopping: waits end, nothing new starts. */
  stopping?: AbortSignal;
  log?: (line: string, fields?: Record<string, unknown>) => void;
  now?: () => number;
}

/**
 * BullMQ's processor for upgrade jobs: validates the job, waits for its
 * window and its host, holds the host lock (renewed, fenced) while the
 * runbook runs, releases it on every way out. A failed outcome fails the
 * job without retry; the other outcomes complete it with the outcome.
 * Redis going away mid-job: the runbook brings the services back and stops;
 * this waits for Redis, writes what the runbook could not, and puts the job
 * back on the queue, to go on from the journal.
 */
export function upgradeProcessor(ctx: UpgradeWorkerContext) {
  const now = ctx.now ?? Date.now;
  const store = ctx.store ?? ctx.redis;
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
    let acquired: Awaited<ReturnType<typeof acquireHostLock>>;
    try {
      acquired = await acquireHostLock(
        store,
        ctx.keys,
        data.host,
        { jobId: jobIdOf(data), workerId: ctx.workerId },
        ctx.env.hostLockTtlMs,
      );
    } catch (error) {
      if (!isUnreachable(store, error)) throw error;
      // Nothing ran: try again once Redis is back.
      await waitForStore(store, ctx.stopping);
      await job.moveToDelayed(now(), token).catch(() => undefined);
      throw new DelayedError();
    }
    if (acquired.kind === "busy") {
      await new RedisAuditLog(store, ctx.keys).append({
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
    if (ctx.requests && (await isCancelled(ctx.requests, data))) {
      await lock.release();
      return { kind: "cancelled" };
    }
    if (ctx.requests) await recordJobStarted(ctx.requests, data);
    const requests = ctx.requests;
    // A rollout host's current step shows on the rollout's root message.
    const reporter: Reporter =
      requests && data.jobId !== undefined
        ? {
            report(event) {
              if (event.type === "step-started") {
                recordJobStep(requests, data, event.step).catch(() => undefined);
              }
              if (event.type === "drain-waiting" || event.type === "drain-count") {
                const step = `drain, ${sessionsPhrase(event.count)}`;
                recordJobStep(requests, data, step).catch(() => undefined);
              }
              ctx.reporter.report(event);
            },
          }
        : ctx.reporter;
    try {
      const deps: RunbookDeps = {
        connect: () =>
          // An inventory host is an SSH target: name, address, port, user, key, pinned host key.
          SshSession.open(host, { connectTimeoutMs: ctx.env.sshConnectTimeoutMs }),
        commands: hostCommands(host),
        journal: new RedisJournal(store, ctx.keys, jobIdOf(data), data.host, lock.fence),
        reporter,
        audit: new RedisAuditLog(store, ctx.keys),
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
        sessions: { port: host.guacdPort, address: host.guacdAddress, drain: host.drain },
        ...(requests ? { gate: requestGate(requests, data) } : {}),
        holdsLock: () => lock.held,
        stopping: () => ctx.stopping?.aborted ?? false,
      };
      const undo = "transactionId" in data ? Number(data.transactionId) : undefined;
      let outcome: JobOutcome;
      try {
        outcome =
          undo !== undefined ? await runRollback(data, undo, deps) : await runUpgrade(data, deps);
      } catch (error) {
        if (error instanceof HandBackError) {
          (ctx.log ?? (() => {}))(`${data.requestId}: ${error.message}`, { host: data.host });
          await job.moveToDelayed(now(), token);
          throw new DelayedError();
        }
        if (error instanceof LockLostError) {
          // This worker was silent too long (stalled, or cut off from Redis): the host lock
          // expired, or another worker took the job over. Either way it touches the host no more
          // and hands the job back: if BullMQ still counts it as this worker's, the next delivery
          // goes on from the journal; if not, the worker that has it goes on.
          (ctx.log ?? (() => {}))(`${data.requestId}: ${error.message}`, { host: data.host });
          await job.moveToDelayed(now(), token).catch(() => undefined);
          throw new DelayedError();
        }
        if (!(error instanceof StoreUnavailableError)) throw error;
        await afterStoreOutage(ctx, store, lock, data, error);
        // Back on the queue at once: the next delivery goes on from the journal.
        await job.moveToDelayed(now(), token).catch(() => {
          // The job's lock expired while Redis was away: BullMQ hands it out again anyway.
        });
        throw new DelayedError();
      }
      const records = new RedisUpgradeRecords(ctx.redis, ctx.keys);
      if (outcome.kind === "rolled-back") await records.forget(data.host);
      if (outcome.kind === "upgraded" && outcome.transactionId !== undefined) {
        await records.record(data.host, {
          requestId: data.requestId,
          transactionId: outcome.transactionId,
          changes: outcome.changes,
        });
      }
      // The request first, then what people read: the summary shows its final state.
      if (ctx.requests) await recordJobFinished(ctx.requests, data, outcome);
      ctx.reporter.report({
        type: "job-finished",
        requestId: data.requestId,
        host: data.host,
        outcome,
      });
      if (outcome.kind === "failed")
        throw new UnrecoverableError(`${outcome.step}: ${outcome.summary}`);
      return outcome;
    } finally {
      // Redis away: the lock expires by itself.
      await lock.release().catch(() => undefined);
    }
  };
}

/**
 * Redis went away while the runbook ran (it brought the services back if it
 * had stopped them, and stopped): waits for Redis, then writes what the
 * runbook did meanwhile. The journal's entries are written under a fresh
 * taking of the host lock, only if nobody holds the host by then (another
 * delivery of the job reads the host's real state anyway); the audit entries
 * always, each once. Stopping the process ends the wait: what was not written
 * is in the log.
 */
async function afterStoreOutage(
  ctx: UpgradeWorkerContext,
  store: Redis,
  held: HostLock,
  data: { requestId: string; jobId?: string; host: string },
  outage: StoreUnavailableError,
): Promise<void> {
  const log = ctx.log ?? (() => {});
  const pending = {
    journal: outage.pendingJournal.map((p) => p.entry),
    audit: outage.pendingAudit,
  };
  log(`${data.requestId}: Redis is away; the services are as the runbook left them; waiting`, {
    host: data.host,
  });
  if (!(await waitForStore(store, ctx.stopping))) {
    log(`${data.requestId}: stopping before Redis came back; not journaled`, pending);
    return;
  }
  await held.release().catch(() => undefined);
  const audit = new RedisAuditLog(store, ctx.keys);
  for (const event of outage.pendingAudit) await audit.append(event);
  const again = await acquireHostLock(
    store,
    ctx.keys,
    data.host,
    { jobId: jobIdOf(data), workerId: ctx.workerId },
    ctx.env.hostLockTtlMs,
    { freeOnly: true },
  );
  if (again.kind === "busy") {
    log(
      `${data.requestId}: the host is held again (${again.holder.workerId}); not journaled`,
      pending,
    );
    return;
  }
  try {
    const journal = new RedisJournal(store, ctx.keys, jobIdOf(data), data.host, again.lock.fence);
    for (const { id, entry } of outage.pendingJournal) await journal.append(entry, id);
    log(`${data.requestId}: Redis is back; journaled what was done meanwhile`, {
      entries: outage.pendingJournal.length,
    });
  } finally {
    await again.lock.release().catch(() => undefined);
  }
}

/** Resolves true once Redis answers PING, or false when `stopping` aborts first. */
async function waitForStore(store: Redis, stopping: AbortSignal | undefined): Promise<boolean> {
  for (let attempt = 0; ; attempt++) {
    if (stopping?.aborted) return false;
    const up = await store.ping().then(
      () => true,
      () => false,
    );
    if (up) return true;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, backoffMs(attempt, 4000) / 2);
      stopping?.addEventListener(
        "abort",
        () => {
          clearTimeout(timer);
          resolve();
        },
        { once: true },
      );
    });
  }
}
