import type { JobOutcome, Reporter, StepName } from "../chat/runbook-event.js";
import type { AuditLog } from "../domain/audit-event.js";
import type { DrainPolicy } from "../domain/drain-policy.js";
import type { HostCommands } from "../kcm/host-commands.js";
import type { HostShell } from "./host-shell.js";

/** One record of the step journal. The journal is what a redelivered job resumes from. */
export interface JournalEntry {
  /** ISO time. */
  at: string;
  step: StepName | "job";
  event: "started" | "finished" | "failed" | "note" | "outcome";
  exitCode?: number | null;
  durationMs?: number;
  /** Step facts a resume needs: the layout, the yum transaction ids, the outcome. */
  data?: Record<string, unknown>;
}

/**
 * The step journal port (Redis in production). `append` is fenced: it fails
 * with a code `lock-lost` error once another worker holds the host, so a
 * stale worker can never write over the live one; and a
 * `StoreUnavailableError` when the store cannot be reached.
 */
export interface Journal {
  load(): Promise<JournalEntry[]>;
  /** Appends `entry`; appending it again under the same `id` adds nothing. */
  append(entry: JournalEntry, id?: string): Promise<void>;
}

/** The result of a health probe of the host's services from the worker. */
export interface ProbeResult {
  ok: boolean;
  detail: string;
}

/** Time limits of the runbook's commands. */
export interface RunbookTimeouts {
  /** Ordinary commands (rpm, systemctl, yum list). @defaultValue 120000 */
  commandMs: number;
  /** A yum transaction (prefetch, upgrade, undo). @defaultValue 1800000 */
  transactionMs: number;
  /** How often to look again at a transaction left running by a lost worker, or at a held yum lock. @defaultValue 2000 */
  pollMs: number;
  /** How long to keep trying when yum finds its lock held by another process. @defaultValue 120000 */
  lockWaitMs: number;
  /**
   * Once the services are stopped, a host that stops answering SSH is tried
   * again (with backoff) until the window's end plus this much; only then
   * does the worker give up and say the services are down. @defaultValue 1800000
   */
  reconnectMarginMs: number;
  /** The longest wait between two tries to reach the host again. @defaultValue 5000 */
  reconnectMaxDelayMs: number;
}

/** Everything the runbook needs from outside; tests pass small fakes, workers the real adapters. */
export interface RunbookDeps {
  connect: () => Promise<HostShell>;
  /** The host's root commands, through its helper or direct sudo (the inventory's `privilege`). */
  commands: HostCommands;
  journal: Journal;
  reporter: Reporter;
  audit: AuditLog;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  timeouts: RunbookTimeouts;
  /** Checks the web application and guacd from outside the host, where configured. */
  probe?: () => Promise<ProbeResult>;
  /**
   * Where guacd takes sessions, to say before the stop how many it cuts, and
   * how long to wait for them to end first (none: no wait).
   */
  sessions?: { port: number; address?: string | undefined; drain?: DrainPolicy };
  /** The request's say while the job waits for sessions (none: a wait only ends by the count or the clock). */
  gate?: RequestGate;
  /** Whether the worker still holds the host lock (checked between steps). */
  holdsLock: () => boolean;
  /**
   * Whether the worker is stopping (SIGTERM): a job that has not stopped the
   * services yet goes back to the queue instead; one that has, finishes.
   */
  stopping?: () => boolean;
}

/**
 * The request, as a job that waits for sessions sees it. While the job
 * waits, a cancel ends the request with nothing stopped; once `pass`
 * resolves true, a cancel is refused (the stop begins): the two are one
 * compare-and-set in the store, so they never both happen.
 */
export interface RequestGate {
  /** The job begins (or resumes) waiting: from now on a cancel may end it. */
  draining(sessions: number): Promise<void>;
  /** Whether the request was cancelled meanwhile. */
  cancelled(): Promise<boolean>;
  /** The wait is over: true when the job may stop the services, false when the request was cancelled first. */
  pass(): Promise<boolean>;
}

export type { JobOutcome };
