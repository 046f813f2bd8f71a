import type { JobOutcome } from "../chat/runbook-event.js";
import type { Layout } from "../kcm/commands.js";
import type { JournalEntry } from "./runbook-ports.js";

/** What a job's journal says has happened, for a worker that picks the job up again. */
export interface Progress {
  /** The job already ended: a redelivery only repeats this. */
  outcome?: JobOutcome;
  layout?: Layout;
  /** When the stop step began (ms since epoch): downtime has started. */
  downtimeStartedAt?: number;
  /** When the job began waiting for sessions to end (ms since epoch): a resumed wait ends when the first would have. */
  drainStartedAt?: number;
  /** The newest yum transaction before ours (0: none). */
  baselineTransaction?: number;
  /** The transaction step (upgrade or undo) began. */
  transactionStarted: boolean;
  /** The transaction step ended and what its exit code was. */
  transactionFinished?: { exitCode: number | null; transactionId?: number };
}

const isLayout = (v: unknown): v is Layout => v === "standalone" || v === "tomcat";

/** Reads a job's journal into {@link Progress}. Pure; later entries win. */
export function readProgress(entries: readonly JournalEntry[]): Progress {
  const progress: Progress = { transactionStarted: false };
  for (const e of entries) {
    const data = e.data ?? {};
    if (e.step === "job" && e.event === "outcome") progress.outcome = data["outcome"] as JobOutcome;
    if (e.step === "layout" && e.event === "finished" && isLayout(data["layout"]))
      progress.layout = data["layout"];
    if (e.step === "drain" && e.event === "started") progress.drainStartedAt ??= Date.parse(e.at);
    if (e.step === "stop" && e.event === "started") {
      progress.downtimeStartedAt ??= Date.parse(e.at);
      if (isLayout(data["layout"])) progress.layout = data["layout"];
    }
    if (typeof data["baselineTransaction"] === "number")
      progress.baselineTransaction = data["baselineTransaction"];
    if ((e.step === "upgrade" || e.step === "undo") && e.event === "started")
      progress.transactionStarted = true;
    if (
      (e.step === "upgrade" || e.step === "undo") &&
      (e.event === "finished" || e.event === "failed")
    ) {
      const id = data["transactionId"];
      progress.transactionFinished = {
        exitCode: e.exitCode ?? null,
        ...(typeof id === "number" ? { transactionId: id } : {}),
      };
    }
  }
  return progress;
}
