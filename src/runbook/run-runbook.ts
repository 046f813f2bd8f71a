import type { JobOutcome } from "../chat/runbook-event.js";
import { jobIdOf, type UpgradeJob } from "../domain/upgrade-job.js";
import { planHash } from "../domain/upgrade-plan.js";
import { forgetTransaction, type Layout, unitsOf } from "../kcm/commands.js";
import { afterStop } from "./after-stop.js";
import { beforeDowntime } from "./before-downtime.js";
import { isConnectionFailure } from "./host-shell.js";
import { type Progress, readProgress } from "./read-progress.js";
import { reconnectDeadline, regainHost } from "./regain-host.js";
import {
  HandBackError,
  LockLostError,
  RunbookFailure,
  StoreUnavailableError,
} from "./runbook-failure.js";
import type { RunbookDeps } from "./runbook-ports.js";
import type { RunbookSpec } from "./runbook-spec.js";
import { recoverServices, stopStep } from "./service-steps.js";
import { StepRunner } from "./step-runner.js";

/**
 * The runbook for one host (DESIGN.md, "The upgrade runbook"): preflight,
 * layout, prefetch, stop, the yum transaction, start, verify, summary. Every
 * step is journaled; a redelivered job reads the journal and the host's real
 * state and goes on from there, never running a yum transaction twice. Once
 * the services were stopped, every ending tries to start them again.
 * Resolves to the outcome (the caller records it on the request and reports
 * it: `job-finished`); rejects with {@link LockLostError} (another
 * worker has the host), {@link HandBackError} (the worker is stopping before
 * the downtime), {@link StoreUnavailableError} (Redis is away; the services
 * were brought back if they had been stopped), or a bug.
 */
export async function runRunbook(
  job: UpgradeJob,
  deps: RunbookDeps,
  spec: RunbookSpec,
): Promise<JobOutcome> {
  if (planHash(job.plan.host, job.plan.packages) !== job.plan.hash || job.plan.host !== job.host) {
    throw new Error(`runRunbook: the plan of ${job.requestId} does not match its hash or host`);
  }
  const progress = readProgress(await deps.journal.load());
  const runner = new StepRunner(job, deps, spec.kind);
  try {
    // Redelivered after its outcome was journaled: only what may not have followed it.
    if (progress.outcome) return await afterOutcome(runner, progress.outcome, progress);
    return await runSteps(runner, spec, progress);
  } finally {
    // Every way out (an outcome, a lost lock, a bug) closes the host connection.
    runner.close();
  }
}

async function runSteps(
  runner: StepRunner,
  spec: RunbookSpec,
  progress: Progress,
): Promise<JobOutcome> {
  const { job, deps } = runner;
  const resumed = progress.downtimeStartedAt !== undefined || progress.layout !== undefined;
  runner.report({
    type: "job-started",
    requestId: job.requestId,
    host: job.host,
    kind: spec.kind,
    resumed,
  });
  await runner.audit(resumed ? "job-resumed" : "job-started");
  const started = deps.now();
  let layout = progress.layout;
  let downtimeStartedAt = progress.downtimeStartedAt;
  let baseline = progress.baselineTransaction ?? 0;
  // Once the services may be down, a lost host is tried again until then.
  const deadline = reconnectDeadline(runner);
  let outcome: JobOutcome;
  try {
    let fresh = false;
    if (downtimeStartedAt === undefined) {
      const before = await beforeDowntime(runner, spec, started, progress);
      if ("kind" in before) return await finish(runner, before, false);
      if (deps.stopping?.()) {
        await runner.audit("job-handed-back", {
          detail: "the worker is stopping; nothing was stopped",
        });
        throw new HandBackError(
          `${job.host}: the worker is stopping before the downtime: the job goes back to the queue`,
        );
      }
      layout = before.layout;
      baseline = before.baseline;
      downtimeStartedAt = deps.now();
      fresh = true;
    }
    if (layout === undefined)
      throw new Error(`${job.requestId}: downtime began, but no layout is journaled`);
    outcome = await duringDowntime(runner, spec, {
      progress,
      layout,
      downtimeStartedAt,
      started,
      baseline,
      fresh,
      deadline,
    });
  } catch (error) {
    if (error instanceof LockLostError || error instanceof HandBackError) throw error;
    if (error instanceof StoreUnavailableError) {
      // Redis is away: no new step without the journal, but never leave the services down.
      runner.goOffline(error);
      if (downtimeStartedAt !== undefined && layout !== undefined) {
        await recoverServices(runner, layout, deadline);
      }
      throw error;
    }
    if (!(error instanceof RunbookFailure || isConnectionFailure(error))) throw error;
    const failure =
      error instanceof RunbookFailure
        ? error
        : new RunbookFailure(runner.currentStep, error.code, error.message);
    const downtime = downtimeStartedAt !== undefined;
    const services = downtime && layout ? await recoverServices(runner, layout, deadline) : [];
    const down = downtime && layout !== undefined && !services.every((s) => s.state === "active");
    outcome = {
      kind: "failed",
      step: failure.step,
      code: failure.code,
      summary: failure.summary,
      evidence: failure.evidence,
      downtimeStarted: downtime,
      services,
      ...(down && layout ? { servicesDown: { commands: manualRecovery(layout, baseline) } } : {}),
      totalMs: deps.now() - started,
    };
  }
  return finish(runner, outcome, downtimeStartedAt !== undefined);
}

/** What a person runs on the host, as root, when the worker could not bring the services back. */
function manualRecovery(layout: Layout, baseline: number): string[] {
  const units = unitsOf(layout).join(" ");
  return [
    `systemctl start ${units}`,
    `systemctl is-active ${units}`,
    `yum history info   # did the upgrade finish? (its transaction comes after ${baseline})`,
  ];
}

/**
 * From the stop on, until the summary: stop (unless a redelivered job finds
 * yum already begun), the transaction once, start, verify. A host that stops
 * answering is tried again until `deadline` (see {@link regainHost}); then
 * the journal is read again and the run goes on from what it says, reading
 * the host's real state (yum's status files, the units, rpm, yum history).
 */
async function duringDowntime(
  runner: StepRunner,
  spec: RunbookSpec,
  at: {
    progress: Progress;
    layout: Layout;
    downtimeStartedAt: number;
    started: number;
    baseline: number;
    /** This run stops the services for the first time. */
    fresh: boolean;
    deadline: number;
  },
): Promise<JobOutcome> {
  let progress = at.progress;
  let fresh = at.fresh;
  for (;;) {
    try {
      // A resumed job whose journal shows no yum yet stops (again) to be sure.
      if (fresh || !progress.transactionStarted) {
        await stopStep(runner, at.layout, { baselineTransaction: at.baseline });
      }
      return await afterStop(
        runner,
        spec,
        progress,
        at.layout,
        at.downtimeStartedAt,
        at.started,
        at.baseline,
      );
    } catch (error) {
      if (!isConnectionFailure(error) || runner.deps.now() >= at.deadline) throw error;
      await regainHost(runner, runner.currentStep, error, at.deadline);
      progress = readProgress(await runner.deps.journal.load());
      fresh = false;
    }
  }
}

async function finish(
  runner: StepRunner,
  outcome: JobOutcome,
  transactionFiles: boolean,
): Promise<JobOutcome> {
  await runner.journal({ step: "job", event: "outcome", data: { outcome } });
  return afterOutcome(runner, outcome, { transactionStarted: transactionFiles });
}

/**
 * Everything of the runbook's own that follows a journaled outcome: the
 * transaction's files removed from the host, and the audit entry. A job
 * redelivered after its outcome was journaled comes here directly, so each
 * happens at least once; the audit entry carries a key that admits it once.
 * The outcome itself goes back to the caller, which records it on the
 * request and reports it (`job-finished`).
 */
async function afterOutcome(
  runner: StepRunner,
  outcome: JobOutcome,
  progress: Pick<Progress, "transactionStarted" | "downtimeStartedAt">,
): Promise<JobOutcome> {
  if (progress.transactionStarted || progress.downtimeStartedAt !== undefined) {
    // Best effort: the outcome is journaled, so a redelivery no longer needs them.
    await runner.exec(forgetTransaction(runner.job.requestId)).catch(() => undefined);
  }
  await runner.audit(`job-${outcome.kind}`, {
    ...(outcome.kind === "failed" ? { step: outcome.step, detail: outcome.summary } : {}),
    once: `${jobIdOf(runner.job)}:outcome`,
  });
  return outcome;
}
