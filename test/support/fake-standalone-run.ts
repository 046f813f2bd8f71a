import type { UpgradeJob } from "../../src/domain/upgrade-job.js";
import { FakeHost } from "./fake-host.js";
import { type FakeRunbook, type FakeRunbookOptions, fakeRunbookDeps } from "./fake-runbook-deps.js";
import { standaloneUpgradeJob } from "./standalone-upgrade-job.js";

/**
 * What most runbook tests start from: the standalone upgrade job `requestId`,
 * a FakeHost for it, and fake runbook deps (with `options`) connecting to that host.
 */
export function fakeStandaloneRun(
  requestId: string,
  options: FakeRunbookOptions = {},
): { job: UpgradeJob; host: FakeHost; run: FakeRunbook } {
  const job = standaloneUpgradeJob(requestId);
  const host = new FakeHost(job.requestId, job.plan);
  return { job, host, run: fakeRunbookDeps(host, options) };
}

/** What a failed outcome of the runbook should match: failed at `step` with `code`, and `rest`. */
export function failedAt(step: string, code: string, rest: Record<string, unknown> = {}) {
  return { kind: "failed", step, code, ...rest };
}
