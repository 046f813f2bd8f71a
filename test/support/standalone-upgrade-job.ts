import type { UpgradeJob } from "../../src/domain/upgrade-job.js";
import { makeRollbackPlan, makeUpgradePlan } from "../../src/domain/upgrade-plan.js";
import { parseInstalledPackages } from "../../src/kcm/parse-installed-packages.js";
import { parseYumListUpdates } from "../../src/kcm/parse-yum-list-updates.js";
import { fixtureOutput } from "../fixtures/kcm/load-fixture.js";

/** The maintenance window of the jobs below; tests' clocks start inside it. */
export const WINDOW = { start: "2026-11-26T19:00:00.000Z", end: "2026-11-26T21:00:00.000Z" };

/** The 2.23.1 → 2.24.1 packages of the captured standalone host, as `from → to`. */
function capturedChanges() {
  const installed = parseInstalledPackages(fixtureOutput("rpm/query-installed-standalone"));
  const pending = parseYumListUpdates(fixtureOutput("dnf/list-updates-pending"));
  if (installed.kind !== "installed" || pending.kind !== "pending")
    throw new Error("the standalone fixtures no longer parse");
  return pending.packages.map((p) => {
    const from = installed.packages.find((i) => i.name === p.name && i.arch === p.arch)?.version;
    if (!from) throw new Error(`${p.name} is pending but not installed`);
    return { name: p.name, arch: p.arch, from, to: p.version };
  });
}

/**
 * An approved job for the captured standalone host (test/fixtures/kcm): the
 * upgrade from what `rpm/query-installed-standalone` shows to what
 * `dnf/list-updates-pending` offers, or (`rollback`) its way back.
 */
export function standaloneUpgradeJob(
  requestId: string,
  options: { rollback?: boolean; host?: string } = {},
): UpgradeJob {
  const host = options.host ?? "kcm-1";
  const changes = capturedChanges();
  return {
    requestId,
    host,
    plan: options.rollback ? makeRollbackPlan(host, changes) : makeUpgradePlan(host, changes),
    window: WINDOW,
    requestedBy: "U0STAFF",
    approvedBy: "U0APPROVER",
    layout: "auto",
  };
}
