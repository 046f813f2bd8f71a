import type { JobOutcome } from "../chat/runbook-event.js";
import type { PackageChange } from "../domain/upgrade-plan.js";
import { classifyHostFailure } from "../kcm/classify-host-failure.js";
import type { Layout } from "../kcm/commands.js";
import type { Progress } from "./read-progress.js";
import { RunbookFailure } from "./runbook-failure.js";
import type { RunbookSpec } from "./runbook-spec.js";
import { startStep } from "./service-steps.js";
import { excerptOf, type StepRunner } from "./step-runner.js";
import { awaitTransaction, runTransaction } from "./transaction-step.js";
import { verifyStep } from "./verify-step.js";

/**
 * From the stop on (also where a redelivered job resumes): the transaction
 * (once), then at once the start; every check that can wait (rpm, yum
 * history, what is pending) waits until the services are up again.
 */
export async function afterStop(
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
