import type { UpgradeJob } from "../domain/upgrade-job.js";
import { comparePlan, isSamePlan } from "../domain/upgrade-plan.js";
import { packageSpec, QUERY_INSTALLED } from "../kcm/commands.js";
import type { HostCommands } from "../kcm/host-commands.js";
import { installedFrom, pendingFrom, planState, UPGRADE_SIDES } from "./inspect-packages.js";
import type { RunbookSpec } from "./runbook-spec.js";
import { excerptOf } from "./step-runner.js";

/**
 * The upgrade: go on only if what is pending is exactly the approved plan;
 * nothing pending and the plan installed is "already up to date"; anything
 * else is plan drift. Prefetches exactly the planned packages.
 */
export function upgradeSpec(job: UpgradeJob, commands: HostCommands): RunbookSpec {
  const specs = job.plan.packages.map(packageSpec);
  return {
    kind: "upgrade",
    transactionStep: "upgrade",
    outcomeKind: "upgraded",
    preflightDisplay: `${QUERY_INSTALLED}; ${commands.listUpdates}`,
    async preflight(runner, started) {
      const [rpm, yum] = await Promise.all([
        runner.exec(QUERY_INSTALLED),
        runner.exec(commands.listUpdates),
      ]);
      const installed = installedFrom("preflight", rpm);
      const pending = pendingFrom("preflight", yum);
      const base = { excerpt: excerptOf(yum), exitCode: yum.exitCode };
      if (pending.length === 0 && planState(job.plan, installed, UPGRADE_SIDES) === "after") {
        return {
          ...base,
          ok: true,
          detail: "nothing pending",
          outcome: { kind: "up-to-date", totalMs: runner.deps.now() - started },
        };
      }
      const difference = comparePlan(
        job.plan,
        pending.map((p) => ({ name: p.name, arch: p.arch, to: p.version })),
      );
      if (!isSamePlan(difference)) {
        return {
          ...base,
          ok: false,
          detail: "what is pending differs from the approved plan",
          outcome: { kind: "plan-drift", difference, totalMs: runner.deps.now() - started },
        };
      }
      return { ...base, ok: true, detail: `${pending.length} package(s) pending, as planned` };
    },
    prefetchCommand: commands.prefetch(specs),
    transaction: {
      run: commands.upgrade(job.requestId, specs),
      display: commands.describeUpgrade(specs),
    },
  };
}
