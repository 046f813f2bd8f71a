import type { JobOutcome, PackageChange } from "../chat/runbook-event.js";
import { comparePlan, isSamePlan, planHash } from "../domain/upgrade-plan.js";
import { classifyHostFailure } from "../kcm/classify-host-failure.js";
import {
  CHECK_SUDO,
  forgetTransaction,
  LAST_TRANSACTION,
  type Layout,
  packageSpec,
  prefetchPackages,
  SHOW_UNITS,
  upgradePackages,
} from "../kcm/commands.js";
import { detectLayout } from "../kcm/detect-layout.js";
import { formatPackageVersion } from "../kcm/package-version.js";
import { parseUnitStates } from "../kcm/parse-unit-states.js";
import { isConnectionFailure } from "./host-shell.js";
import {
  installedFrom,
  LIST_UPDATES,
  pendingFrom,
  planState,
  QUERY_INSTALLED,
  UPGRADE_SIDES,
} from "./inspect-packages.js";
import { type Progress, readProgress } from "./read-progress.js";
import { LockLostError, RunbookFailure } from "./runbook-failure.js";
import type { RunbookDeps, UpgradeJob } from "./runbook-ports.js";
import { recoverServices, startStep, stopStep } from "./service-steps.js";
import { excerptOf, StepRunner } from "./step-runner.js";
import {
  awaitTransaction,
  execReconnecting,
  lastTransactionId,
  runTransaction,
} from "./transaction-step.js";

/**
 * The upgrade runbook for one host (DESIGN.md, "The upgrade runbook"):
 * preflight, layout, prefetch, stop, upgrade, start, verify, summary. Every
 * step is journaled; a redelivered job reads the journal and the host's real
 * state and goes on from there, never running a yum transaction twice. Once
 * the services were stopped, every ending tries to start them again. Resolves
 * to the outcome; rejects only with {@link LockLostError} or a bug.
 */
export async function runUpgrade(job: UpgradeJob, deps: RunbookDeps): Promise<JobOutcome> {
  if (planHash(job.plan.host, job.plan.packages) !== job.plan.hash || job.plan.host !== job.host) {
    throw new Error(`runUpgrade: the plan of ${job.requestId} does not match its hash or host`);
  }
  const progress = readProgress(await deps.journal.load());
  if (progress.outcome) return progress.outcome;
  const runner = new StepRunner(job, deps, "upgrade");
  const resumed = progress.downtimeStartedAt !== undefined || progress.layout !== undefined;
  runner.report({
    type: "job-started",
    requestId: job.requestId,
    host: job.host,
    kind: "upgrade",
    resumed,
  });
  await runner.audit(resumed ? "job-resumed" : "job-started");
  const started = deps.now();
  let layout = progress.layout;
  let downtimeStartedAt = progress.downtimeStartedAt;
  let baseline = progress.baselineTransaction ?? 0;
  let outcome: JobOutcome;
  try {
    if (downtimeStartedAt === undefined) {
      const before = await beforeDowntime(runner, started);
      if ("kind" in before) return await finish(runner, before);
      layout = before.layout;
      baseline = before.baseline;
      downtimeStartedAt = deps.now();
      await stopStep(runner, layout, { baselineTransaction: before.baseline });
    }
    outcome = await afterStop(
      runner,
      progress,
      layout as Layout,
      downtimeStartedAt,
      started,
      baseline,
    );
  } catch (error) {
    if (
      error instanceof LockLostError ||
      !(error instanceof RunbookFailure || isConnectionFailure(error))
    )
      throw error;
    const failure =
      error instanceof RunbookFailure
        ? error
        : new RunbookFailure("preflight", error.code, error.message);
    const downtime = downtimeStartedAt !== undefined;
    const services = downtime && layout ? await recoverServices(runner, layout) : [];
    outcome = {
      kind: "failed",
      step: failure.step,
      code: failure.code,
      summary: failure.summary,
      evidence: failure.evidence,
      downtimeStarted: downtime,
      services,
      totalMs: deps.now() - started,
    };
  } finally {
    runner.close();
  }
  return finish(runner, outcome);
}

async function finish(runner: StepRunner, outcome: JobOutcome): Promise<JobOutcome> {
  await runner.journal({ step: "job", event: "outcome", data: { outcome } });
  if (outcome.kind === "upgraded" || (outcome.kind === "failed" && outcome.downtimeStarted)) {
    // Best effort: the outcome is journaled, so a redelivery no longer needs them.
    await runner.exec(forgetTransaction(runner.job.requestId)).catch(() => undefined);
  }
  await runner.audit(
    `job-${outcome.kind}`,
    outcome.kind === "failed" ? { step: outcome.step, detail: outcome.summary } : {},
  );
  runner.report({
    type: "job-finished",
    requestId: runner.job.requestId,
    host: runner.job.host,
    outcome,
  });
  runner.close();
  return outcome;
}

function windowMissed(runner: StepRunner): JobOutcome | undefined {
  const now = runner.deps.now();
  const end = Date.parse(runner.job.window.end);
  if (now <= end) return undefined;
  return {
    kind: "window-missed",
    windowEnd: runner.job.window.end,
    startedAt: new Date(now).toISOString(),
  };
}

/** Everything before downtime: read-only checks and the prefetch. Ends the job (an outcome) or says how to stop. */
async function beforeDowntime(
  runner: StepRunner,
  started: number,
): Promise<JobOutcome | { layout: Layout; baseline: number }> {
  const missed = windowMissed(runner);
  if (missed) return missed;
  const { job } = runner;

  await runner.started("preflight", `${CHECK_SUDO}; ${QUERY_INSTALLED}; ${LIST_UPDATES}`);
  const sudo = await runner.exec(CHECK_SUDO);
  if (sudo.exitCode !== 0) {
    const failure = classifyHostFailure(sudo);
    await runner.finished("preflight", false, {
      exitCode: sudo.exitCode,
      durationMs: sudo.durationMs,
      excerpt: excerptOf(sudo),
    });
    throw new RunbookFailure("preflight", failure.code, failure.summary, failure.evidence);
  }
  const [rpm, yum] = await Promise.all([runner.exec(QUERY_INSTALLED), runner.exec(LIST_UPDATES)]);
  const preflightDone = (ok: boolean, detail: string) =>
    runner.finished("preflight", ok, {
      exitCode: yum.exitCode,
      durationMs: runner.deps.now() - started,
      excerpt: excerptOf(yum),
      detail,
    });
  let installed: ReturnType<typeof installedFrom>;
  let pending: ReturnType<typeof pendingFrom>;
  try {
    installed = installedFrom("preflight", rpm);
    pending = pendingFrom("preflight", yum);
  } catch (error) {
    await preflightDone(false, "");
    throw error;
  }
  if (pending.length === 0 && planState(job.plan, installed, UPGRADE_SIDES) === "after") {
    await preflightDone(true, "nothing pending");
    return { kind: "up-to-date", totalMs: runner.deps.now() - started };
  }
  const difference = comparePlan(
    job.plan,
    pending.map((p) => ({ name: p.name, arch: p.arch, to: p.version })),
  );
  if (!isSamePlan(difference)) {
    await preflightDone(false, "what is pending differs from the approved plan");
    return { kind: "plan-drift", difference, totalMs: runner.deps.now() - started };
  }
  await preflightDone(true, `${pending.length} package(s) pending, as planned`);

  const layout = await layoutStep(runner);
  const specs = job.plan.packages.map(packageSpec);
  await runner
    .step(
      "prefetch",
      prefetchPackages(specs),
      (r) => r.exitCode === 0,
      runner.deps.timeouts.transactionMs,
    )
    .then((result) => {
      if (result.exitCode !== 0) {
        const failure = classifyHostFailure(result);
        throw new RunbookFailure("prefetch", failure.code, failure.summary, failure.evidence);
      }
    });
  const late = windowMissed(runner);
  if (late) return late;
  if (!runner.deps.holdsLock())
    throw new LockLostError("the host lock was lost before the stop step");
  return { layout, baseline: await lastTransactionId(runner, "upgrade") };
}

async function layoutStep(runner: StepRunner): Promise<Layout> {
  await runner.started("layout", SHOW_UNITS);
  const result = await runner.exec(SHOW_UNITS);
  const parsed = parseUnitStates(result);
  const detected = parsed.kind === "units" ? detectLayout(parsed.units) : undefined;
  const pinned = runner.job.layout;
  const layout: Layout | undefined =
    pinned !== "auto" ? pinned : detected?.kind === "detected" ? detected.layout : undefined;
  const ok = layout !== undefined;
  await runner.finished(
    "layout",
    ok,
    {
      exitCode: result.exitCode,
      durationMs: result.durationMs,
      excerpt: excerptOf(result),
      detail: layout
        ? `${layout} (${pinned === "auto" ? "detected" : "pinned in the inventory"})`
        : "",
    },
    layout ? { layout } : undefined,
  );
  if (!layout) {
    const reason =
      parsed.kind === "failed"
        ? parsed.failure.summary
        : detected?.kind === "unknown"
          ? detected.reason
          : "systemctl printed something unexpected";
    throw new RunbookFailure("layout", "layout-unknown", reason);
  }
  return layout;
}

/**
 * From the stop on (also where a redelivered job resumes): the upgrade
 * (once), then at once the start; every check that can wait (rpm, yum
 * history, what is pending) waits until the services are up again.
 */
async function afterStop(
  runner: StepRunner,
  progress: Progress,
  layout: Layout,
  downtimeStartedAt: number,
  started: number,
  baseline: number,
): Promise<JobOutcome> {
  const { job } = runner;
  if (progress.transactionFinished === undefined) {
    const transactionStarted = runner.deps.now();
    const end = await transactionOnce(runner, progress, baseline);
    await runner.finished("upgrade", end.exitCode === 0, {
      exitCode: end.exitCode,
      durationMs: runner.deps.now() - transactionStarted,
      excerpt: excerptOf({ stdout: end.log, stderr: "" }),
      output: end.log,
      detail:
        end.state === "finished" ? "" : `yum ${end.state} without an exit code; rpm will tell`,
    });
    if (end.exitCode !== null && end.exitCode !== 0) {
      const failure = classifyHostFailure({ exitCode: end.exitCode, stdout: end.log, stderr: "" });
      throw new RunbookFailure("upgrade", failure.code, failure.summary, failure.evidence);
    }
  } else if (
    progress.transactionFinished.exitCode !== 0 &&
    progress.transactionFinished.exitCode !== null
  ) {
    throw new RunbookFailure(
      "upgrade",
      "command-failed",
      `yum exited ${progress.transactionFinished.exitCode}`,
    );
  }
  const services = await startStep(runner, layout);
  const downtimeMs = runner.deps.now() - downtimeStartedAt;
  const { stillPending, transactionId } = await verifyStep(runner, baseline);
  const changes: PackageChange[] = job.plan.packages.map((p) => ({
    name: p.name,
    arch: p.arch,
    from: p.from,
    to: p.to,
  }));
  return {
    kind: "upgraded",
    changes,
    ...(transactionId === undefined ? {} : { transactionId }),
    downtimeMs,
    totalMs: runner.deps.now() - started,
    services,
    stillPending,
  };
}

/**
 * The upgrade transaction, exactly once: started now, or (on a redelivery)
 * awaited where the journal says it began; started after all if the worker
 * died before yum was launched.
 */
async function transactionOnce(runner: StepRunner, progress: Progress, baseline: number) {
  const { job } = runner;
  const specs = job.plan.packages.map(packageSpec);
  if (!progress.transactionStarted) return upgradeOnce(runner, specs, baseline);
  const end = await awaitTransaction(runner, job.requestId, "upgrade", runner.deps.now());
  if (end.state !== "absent") return end;
  return runTransaction(runner, job.requestId, "upgrade", upgradePackages(job.requestId, specs));
}

/** Starts the upgrade transaction unless the host shows it already ran. */
async function upgradeOnce(runner: StepRunner, specs: string[], baseline: number) {
  const display = `sudo -n yum --setopt=exit_on_lock=True upgrade -y ${specs.join(" ")}`;
  await runner.started("upgrade", display, { baselineTransaction: baseline });
  return runTransaction(
    runner,
    runner.job.requestId,
    "upgrade",
    upgradePackages(runner.job.requestId, specs),
  );
}

/** Installed == plan, the transaction yum recorded, and what (if anything) is pending now. */
async function verifyStep(
  runner: StepRunner,
  baseline: number,
): Promise<{ stillPending: string[]; transactionId?: number }> {
  const { job } = runner;
  await runner.started("verify", `${QUERY_INSTALLED}; ${LIST_UPDATES}; ${LAST_TRANSACTION}`);
  const [rpm, yum, last] = await Promise.all([
    execReconnecting(runner, QUERY_INSTALLED),
    execReconnecting(runner, LIST_UPDATES),
    lastTransactionId(runner, "upgrade"),
  ]);
  const state = planState(job.plan, installedFrom("verify", rpm), UPGRADE_SIDES);
  const pending = pendingFrom("verify", yum).map(
    (p) => `${p.name}.${p.arch} ${formatPackageVersion(p.version)}`,
  );
  const ok = state === "after";
  await runner.finished(
    "verify",
    ok,
    {
      exitCode: rpm.exitCode,
      durationMs: Math.max(rpm.durationMs, yum.durationMs),
      excerpt: excerptOf(rpm),
      detail: ok
        ? `installed as planned${pending.length ? `; still pending: ${pending.join(", ")}` : "; nothing pending"}`
        : "installed versions differ from the plan",
    },
    last > baseline ? { transactionId: last } : undefined,
  );
  if (!ok) {
    throw new RunbookFailure(
      "verify",
      "not-as-planned",
      state === "mixed"
        ? "after yum, the host is neither at the old nor at the planned versions; it needs a person"
        : "after yum, the installed versions are still the old ones",
    );
  }
  return { stillPending: pending, ...(last > baseline ? { transactionId: last } : {}) };
}
