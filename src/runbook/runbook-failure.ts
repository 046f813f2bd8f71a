import type { StepName } from "../chat/runbook-event.js";

/**
 * Ends a runbook early with a failed outcome (thrown inside the runbook,
 * caught by it: never escapes). Carries our words and the host's.
 */
export class RunbookFailure extends Error {
  override readonly name = "RunbookFailure";

  constructor(
    readonly step: StepName,
    readonly code: string,
    readonly summary: string,
    readonly evidence: string[] = [],
  ) {
    super(summary);
  }
}

/** The worker lost the host lock (another worker took over): stop touching the host. */
export class LockLostError extends Error {
  override readonly name = "LockLostError";
  readonly code = "lock-lost";
}
