import { QUERY_INSTALLED } from "../kcm/commands.js";
import { formatPackageVersion } from "../kcm/package-version.js";
import { installedFrom, pendingFrom, planState, UPGRADE_SIDES } from "./inspect-packages.js";
import { RunbookFailure } from "./runbook-failure.js";
import { excerptOf, type StepRunner } from "./step-runner.js";
import { execReconnecting, lastTransactionId } from "./transaction-step.js";

/**
 * After the start: installed == the plan's target versions, the transaction
 * yum recorded (newer than `baseline`), and what (if anything) is pending now.
 */
export async function verifyStep(
  runner: StepRunner,
  baseline: number,
  transactionStep: "upgrade" | "undo",
): Promise<{ stillPending: string[]; transactionId?: number }> {
  const { job } = runner;
  const { listUpdates, lastTransaction } = runner.deps.commands;
  await runner.started("verify", `${QUERY_INSTALLED}; ${listUpdates}; ${lastTransaction}`);
  // rpm alongside yum; the two yum commands one after the other, or the
  // second finds the first holding yum's lock.
  const [rpm, [yum, last]] = await Promise.all([
    execReconnecting(runner, QUERY_INSTALLED),
    execReconnecting(runner, listUpdates).then(
      async (result) => [result, await lastTransactionId(runner, transactionStep)] as const,
    ),
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
        ? `installed as planned${pending.length ? `; pending now: ${pending.join(", ")}` : "; nothing pending"}`
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
