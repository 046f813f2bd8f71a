import type { UpgradeJob } from "../domain/upgrade-job.js";
import { comparePlan } from "../domain/upgrade-plan.js";
import { QUERY_INSTALLED } from "../kcm/commands.js";
import type { HostCommands } from "../kcm/host-commands.js";
import { installedFrom, planState, UPGRADE_SIDES } from "./inspect-packages.js";
import type { RunbookSpec } from "./runbook-spec.js";
import { excerptOf } from "./step-runner.js";

/**
 * The rollback of one earlier upgrade: `yum history undo <its transaction>`.
 * Its plan runs backwards (each package from the upgraded version to the one
 * before). Goes on only if the host still has exactly the upgraded versions;
 * already back at the old ones ends as "up to date"; anything else is drift.
 * yum fetches the old packages during the undo (no prefetch for history undo).
 */
export function rollbackSpec(
  job: UpgradeJob,
  transactionId: number,
  commands: HostCommands,
): RunbookSpec {
  return {
    kind: "rollback",
    transactionStep: "undo",
    outcomeKind: "rolled-back",
    preflightDisplay: QUERY_INSTALLED,
    async preflight(runner, started) {
      const rpm = await runner.exec(QUERY_INSTALLED);
      const installed = installedFrom("preflight", rpm);
      const state = planState(job.plan, installed, UPGRADE_SIDES);
      const base = { excerpt: excerptOf(rpm), exitCode: rpm.exitCode };
      if (state === "before") {
        return {
          ...base,
          ok: true,
          detail: `the host has the versions of transaction ${transactionId}`,
        };
      }
      if (state === "after") {
        return {
          ...base,
          ok: true,
          detail: "the host already has the versions a rollback would bring back",
          outcome: { kind: "up-to-date", totalMs: runner.deps.now() - started },
        };
      }
      // What is installed, seen as "pending" against the rollback plan's starting point.
      const current = installed.map((i) => ({ name: i.name, arch: i.arch, to: i.version }));
      const asFrom = {
        ...job.plan,
        packages: job.plan.packages.map((p) => ({ ...p, to: p.from ?? p.to })),
      };
      return {
        ...base,
        ok: false,
        detail: `the host changed since transaction ${transactionId}`,
        outcome: {
          kind: "plan-drift",
          difference: comparePlan(
            asFrom,
            current.filter((c) => job.plan.packages.some((p) => p.name === c.name)),
          ),
          totalMs: runner.deps.now() - started,
        },
      };
    },
    transaction: {
      run: commands.undo(job.requestId, transactionId),
      display: commands.describeUndo(transactionId),
    },
  };
}
