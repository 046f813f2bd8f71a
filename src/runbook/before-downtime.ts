import type { JobOutcome } from "../chat/runbook-event.js";
import { classifyHostFailure } from "../kcm/classify-host-failure.js";
import type { Layout } from "../kcm/commands.js";
import { HELPER_VERSION } from "../kcm/host-commands.js";
import { drainStep } from "./drain-step.js";
import { layoutStep } from "./layout-step.js";
import type { Progress } from "./read-progress.js";
import { LockLostError, RunbookFailure } from "./runbook-failure.js";
import type { RunbookSpec } from "./runbook-spec.js";
import { excerptOf, type StepRunner } from "./step-runner.js";
import { lastTransactionId, lockWaitOf, retryWhileLocked } from "./transaction-step.js";

/** A job that wakes after its window's end ends so, touching nothing. */
function windowMissed(runner: StepRunner): JobOutcome | undefined {
  const now = runner.deps.now();
  if (now <= Date.parse(runner.job.window.end)) return undefined;
  return {
    kind: "window-missed",
    windowEnd: runner.job.window.end,
    startedAt: new Date(now).toISOString(),
  };
}

/**
 * Everything before downtime: read-only checks, the prefetch and the wait for
 * sessions to end. Ends the job (an outcome) or says how to stop.
 */
export async function beforeDowntime(
  runner: StepRunner,
  spec: RunbookSpec,
  started: number,
  progress: Pick<Progress, "drainStartedAt">,
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
  // Checked before the drain and after it: the stop must begin inside the window, by this worker.
  const late =
    stillOurs(runner) ?? (await drainStep(runner, progress, started)) ?? stillOurs(runner);
  if (late) return late;
  const baseline = await lastTransactionId(runner, spec.transactionStep);
  return { layout, baseline };
}

/** A missed window (an outcome), a lost host lock (thrown), or undefined: the job may go on. */
function stillOurs(runner: StepRunner): JobOutcome | undefined {
  const missed = windowMissed(runner);
  if (missed) return missed;
  if (!runner.deps.holdsLock())
    throw new LockLostError("the host lock was lost before the stop step");
  return undefined;
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
  const result = await retryWhileLocked(
    () => runner.exec(command, runner.deps.timeouts.transactionMs),
    lockWaitOf(runner),
  );
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
