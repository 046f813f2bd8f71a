import type { JobOutcome } from "../chat/runbook-event.js";
import type { UpgradeJob } from "../domain/upgrade-job.js";
import { runRunbook } from "./run-runbook.js";
import type { RunbookDeps } from "./runbook-ports.js";
import { upgradeSpec } from "./upgrade-spec.js";

/** Upgrades one host to exactly its approved plan (see {@link runRunbook}). */
export function runUpgrade(job: UpgradeJob, deps: RunbookDeps): Promise<JobOutcome> {
  return runRunbook(job, deps, upgradeSpec(job, deps.commands));
}
