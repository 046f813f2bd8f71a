import type { JobOutcome, PackageChange } from "../chat/runbook-event.js";
import { planHash } from "../domain/upgrade-plan.js";
import { classifyHostFailure } from "../kcm/classify-host-failure.js";
import { forgetTransaction, type Layout, unitsOf } from "../kcm/commands.js";
import { HELPER_VERSION } from "../kcm/host-commands.js";
import { isConnectionFailure } from "./host-shell.js";
import { layoutStep } from "./layout-step.js";
import { type Progress, readProgress } from "./read-progress.js";
import { reconnectDeadline, regainHost } from "./regain-host.js";
import {
  HandBackError,
  LockLostError,
  RunbookFailure,
  StoreUnavailableError,
} from "./runbook-failure.js";
import type { RunbookDeps, UpgradeJob } from "./runbook-ports.js";
import type { RunbookSpec } from "./runbook-spec.js";
import { recoverServices, startStep, stopStep } from "./service-steps.js";
import { excerptOf, StepRunner } from "./step-runner.js";
import {
  awaitTransaction,
  lastTransactionId,
  lockedOut,
  runTransaction,
} from "./transaction-step.js";
import { verifyStep } from "./verify-step.js";

/**
 * The runbook for one host (DESIGN.md, "The upgrade runbook"): preflight,
 * layout, prefetch, stop, the yum transaction, start, verify, summary. Every
 * step is journaled; a redelivered job reads the journal and the host's real
 * state and goes on from there, never running a yum transaction twice. Once
 * the services were stopped, every ending tries to start them again.
 * Resolves to the outcome; rejects only with {@link LockLostError} or a bug.
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
    if (progress.outcome) return await announce(runner, progress.outcome, progress);
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
      const before = await beforeDowntime(runner, spec, started);
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
  return announce(runner, outcome, { transactionStarted: transactionFiles });
}

/**
 * Everything that follows a journaled outcome: the transaction's files on
 * the host removed, the audit entry, the report. A job redelivered after
 * its outcome was journaled comes here directly, so each happens at least
 * once; the audit entry carries a key that admits it once, and the report's
 * summary is posted under a key of its own, so each shows exactly once.
 */
async function announce(
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
    once: `${runner.job.requestId}:outcome`,
  });
  runner.report({
    type: "job-finished",
    requestId: runner.job.requestId,
    host: runner.job.host,
    outcome,
  });
  return outcome;
}

function windowMissed(runner: StepRunner): JobOutcome | undefined {
  const now = runner.deps.now();
  if (now <= Date.parse(runner.job.window.end)) return undefined;
  return {
    kind: "window-missed",
    windowEnd: runner.job.window.end,
    startedAt: new Date(now).toISOString(),
  };
}

/** Everything before downtime: read-only checks and the prefetch. Ends the job (an outcome) or says how to stop. */
async function beforeDowntime(
  runner: StepRunner,
  spec: RunbookSpec,
  started: number,
): Promise<JobOutcome | { layout: Layout; baseline: number }> {
  const missed = windowMissed(runner);
  if (missed) return missed;
  const { checkSudo } = runner.deps.commands;
  await runner.started("preflight", `${checkSudo}; ${spec.preflightDisplay}`);
  const sudo = await runner.exec(checkSudo);
  const done = (ok: boolean, v: { exitCode: number | null; excerpt: string; detail?: string }) =>
    runner.finished("preflight", ok, { ...v, durationMs: runner.deps.now() - started });
  if (sudo.exitCode !== 0) {
    const failure = classifyHostFailure(sudo);
    await done(false, {
      exitCode: sudo.exitCode,
      excerpt: excerptOf(sudo),
      detail: failure.summary,
    });
    throw new RunbookFailure("preflight", failure.code, failure.summary, failure.evidence);
  }
  const outdated = helperOutdated(runner, sudo.stdout);
  if (outdated) {
    await done(false, { exitCode: sudo.exitCode, excerpt: excerptOf(sudo), detail: outdated });
    throw new RunbookFailure("preflight", "helper-outdated", outdated);
  }
  let verdict: Awaited<ReturnType<RunbookSpec["preflight"]>>;
  try {
    verdict = await spec.preflight(runner, started);
  } catch (error) {
    await done(false, {
      exitCode: null,
      excerpt: "",
      detail: error instanceof Error ? error.message : "",
    });
    throw error;
  }
  await done(verdict.ok, verdict);
  if (verdict.outcome) return verdict.outcome;

  const layout = await layoutStep(runner);
  if (spec.prefetchCommand) await prefetchStep(runner, spec.prefetchCommand);
  const late = windowMissed(runner);
  if (late) return late;
  if (!runner.deps.holdsLock())
    throw new LockLostError("the host lock was lost before the stop step");
  return { layout, baseline: await lastTransactionId(runner, spec.transactionStep) };
}

/** Why the host's helper is not the version this bot speaks, or undefined when it is (or there is none). */
function helperOutdated(runner: StepRunner, versionOutput: string): string | undefined {
  const { access } = runner.deps.commands;
  if (access.privilege !== "helper") return undefined;
  const said = versionOutput.trim();
  if (said === `kcm-host ${HELPER_VERSION}`) return undefined;
  return `the host helper at ${access.helperPath} says "${said.slice(0, 60)}", not "kcm-host ${HELPER_VERSION}": install this bot's (kcm-chatops host-helper prints how)`;
}

/**
 * Downloads the packages while the services run. yum refusing because its
 * lock is held (a check at the same moment) changed nothing: it is tried
 * again every `pollMs` for up to `lockWaitMs`.
 */
async function prefetchStep(runner: StepRunner, command: string): Promise<void> {
  await runner.started("prefetch", command);
  const started = runner.deps.now();
  const deadline = started + runner.deps.timeouts.lockWaitMs;
  let result = await runner.exec(command, runner.deps.timeouts.transactionMs);
  while (
    lockedOut(result.exitCode, `${result.stdout}${result.stderr}`) &&
    runner.deps.now() < deadline
  ) {
    await runner.deps.sleep(runner.deps.timeouts.pollMs);
    result = await runner.exec(command, runner.deps.timeouts.transactionMs);
  }
  await runner.finished("prefetch", result.exitCode === 0, {
    exitCode: result.exitCode,
    durationMs: runner.deps.now() - started,
    excerpt: excerptOf(result),
    output: `${result.stdout}${result.stderr}`,
  });
  if (result.exitCode !== 0) {
    const failure = classifyHostFailure(result);
    throw new RunbookFailure("prefetch", failure.code, failure.summary, failure.evidence);
  }
}

/**
 * From the stop on (also where a redelivered job resumes): the transaction
 * (once), then at once the start; every check that can wait (rpm, yum
 * history, what is pending) waits until the services are up again.
 */
async function afterStop(
  runner: StepRunner,
  spec: RunbookSpec,
  progress: Progress,
  layout: Layout,
  downtimeStartedAt: number,
  started: number,
  baseline: number,
): Promise<JobOutcome> {
  const step = spec.transactionStep;
  if (progress.transactionFinished === undefined) {
    const transactionStarted = runner.deps.now();
    const end = await transactionOnce(runner, spec, progress, baseline);
    await runner.finished(step, end.exitCode === 0, {
      exitCode: end.exitCode,
      durationMs: runner.deps.now() - transactionStarted,
      excerpt: excerptOf({ stdout: end.log, stderr: "" }),
      output: end.log,
      detail:
        end.state === "finished" ? "" : `yum ${end.state} without an exit code; rpm will tell`,
    });
    if (end.exitCode !== null && end.exitCode !== 0) {
      const failure = classifyHostFailure({ exitCode: end.exitCode, stdout: end.log, stderr: "" });
      throw new RunbookFailure(step, failure.code, failure.summary, failure.evidence);
    }
  } else if (
    progress.transactionFinished.exitCode !== 0 &&
    progress.transactionFinished.exitCode !== null
  ) {
    throw new RunbookFailure(
      step,
      "command-failed",
      `yum exited ${progress.transactionFinished.exitCode}`,
    );
  }
  const services = await startStep(runner, layout);
  const downtimeMs = runner.deps.now() - downtimeStartedAt;
  const { stillPending, transactionId } = await verifyStep(runner, baseline, step);
  const changes: PackageChange[] = runner.job.plan.packages.map((p) => ({
    name: p.name,
    arch: p.arch,
    from: p.from,
    to: p.to,
  }));
  return {
    kind: spec.outcomeKind,
    changes,
    ...(transactionId === undefined ? {} : { transactionId }),
    downtimeMs,
    totalMs: runner.deps.now() - started,
    services,
    stillPending,
  };
}

/**
 * The transaction, exactly once: started now, or (on a redelivery) awaited
 * where the journal says it began; started after all if the worker died
 * before yum was launched.
 */
async function transactionOnce(
  runner: StepRunner,
  spec: RunbookSpec,
  progress: Progress,
  baseline: number,
) {
  const { requestId } = runner.job;
  const step = spec.transactionStep;
  if (!progress.transactionStarted) {
    const windowEnd = runner.job.window.end;
    if (runner.deps.now() > Date.parse(windowEnd)) {
      // Reached only after a lost host or worker delayed it: no yum outside the window.
      throw new RunbookFailure(
        step,
        "window-ended",
        `the maintenance window ended (${windowEnd}) before yum could begin; nothing was changed, and the services are started again`,
      );
    }
    await runner.started(step, spec.transaction.display, { baselineTransaction: baseline });
    return runTransaction(runner, requestId, step, spec.transaction.run);
  }
  // A resumed job journals no `started` for the transaction: say where a dropped connection belongs.
  runner.currentStep = step;
  const end = await awaitTransaction(runner, requestId, step, runner.deps.now());
  if (end.state !== "absent") return end;
  return runTransaction(runner, requestId, step, spec.transaction.run);
}
