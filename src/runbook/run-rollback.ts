import type { JobOutcome } from "../chat/runbook-event.js";
import type { UpgradeJob } from "../domain/upgrade-job.js";
import { rollbackSpec } from "./rollback-spec.js";
import { runRunbook } from "./run-runbook.js";
import type { RunbookDeps } from "./runbook-ports.js";

/**
 * Undoes one earlier upgrade transaction on a host (`yum history undo`),
 * wrapped in the same stop and start (see {@link runRunbook}). The job's plan
 * goes from the upgraded versions back to the earlier ones.
 */
export function runRollback(
  job: UpgradeJob,
  transactionId: number,
  deps: RunbookDeps,
): Promise<JobOutcome> {
  return runRunbook(job, deps, rollbackSpec(job, transactionId, deps.commands));
}
