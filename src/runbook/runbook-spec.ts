import type { JobOutcome } from "../chat/runbook-event.js";
import type { StepRunner } from "./step-runner.js";

/** What a preflight found: go on (no outcome), or end the job now with `outcome` (no downtime). */
export interface PreflightVerdict {
  ok: boolean;
  detail: string;
  excerpt: string;
  exitCode: number | null;
  outcome?: JobOutcome;
}

/**
 * What makes a runbook an upgrade or a rollback. The engine (run-runbook.ts)
 * does the rest the same way for both: journal, window, layout, stop, the
 * transaction exactly once, start, verify, recovery, summary.
 */
export interface RunbookSpec {
  kind: "upgrade" | "rollback";
  /** The step that runs the yum transaction. */
  transactionStep: "upgrade" | "undo";
  outcomeKind: "upgraded" | "rolled-back";
  /** The preflight's commands, as the thread shows them. */
  preflightDisplay: string;
  /** Read-only checks after `sudo -n true` succeeded. */
  preflight(runner: StepRunner, started: number): Promise<PreflightVerdict>;
  /** Downloads what the transaction needs while the services still run; none for a rollback. */
  prefetchCommand?: string;
  /** The detached transaction (run) and the yum command people read (display). */
  transaction: { run: string; display: string };
}
