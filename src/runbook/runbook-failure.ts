import type { StepName } from "../chat/runbook-event.js";
import type { AuditEvent } from "../domain/audit-event.js";
import type { JournalEntry } from "./runbook-ports.js";

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

/**
 * The journal or the audit stream cannot be written (Redis is away): the
 * runbook starts no new destructive step without its journal, brings the
 * services back if it stopped them, and hands over what it could not write.
 */
export class StoreUnavailableError extends Error {
  override readonly name = "StoreUnavailableError";
  readonly code = "store-unavailable";
  /** What the runbook did but could not journal, in order, with the ids that make writing them again idempotent. */
  pendingJournal: { id: string; entry: JournalEntry }[] = [];
  /** Audit events it could not write, in order. */
  pendingAudit: AuditEvent[] = [];
}

/** The worker is stopping before the job's downtime began: the job goes back to the queue, untouched. */
export class HandBackError extends Error {
  override readonly name = "HandBackError";
  readonly code = "handed-back";
}
