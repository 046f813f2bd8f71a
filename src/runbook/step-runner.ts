import { randomBytes } from "node:crypto";
import type { RunbookEvent, StepName } from "../chat/runbook-event.js";
import type { AuditEvent } from "../domain/audit-event.js";
import type { UpgradeJob } from "../domain/upgrade-job.js";
import type { CommandResult } from "../kcm/command-output.js";
import type { HostShell } from "./host-shell.js";
import { StoreUnavailableError } from "./runbook-failure.js";
import type { JournalEntry, RunbookDeps } from "./runbook-ports.js";

const EXCERPT_LINES = 10;
const EXCERPT_LINE_CHARS = 200;

/** The last lines of a command's output, for a chat message. */
export function excerptOf(result: Pick<CommandResult, "stdout" | "stderr">): string {
  return `${result.stdout}\n${result.stderr}`
    .split("\n")
    .map((l) => l.replace(/\r/g, "").trimEnd())
    .filter((l) => l.trim() !== "")
    .slice(-EXCERPT_LINES)
    .map((l) => (l.length > EXCERPT_LINE_CHARS ? `${l.slice(0, EXCERPT_LINE_CHARS)}…` : l))
    .join("\n");
}

/**
 * Runs the runbook's steps against one host: each step is journaled before
 * and after it runs, reported (started; finished with exit code, duration
 * and an output excerpt) and written to the audit stream.
 */
export class StepRunner {
  private shellPromise: Promise<HostShell> | undefined;
  /** Set once the store is away: journal and audit entries are kept in it, to be written later. */
  private outage: StoreUnavailableError | undefined;
  /** The step that started last: where a dropped connection is blamed. */
  currentStep: StepName = "preflight";

  constructor(
    readonly job: UpgradeJob,
    readonly deps: RunbookDeps,
    readonly kind: "upgrade" | "rollback",
  ) {}

  /** The host connection, opened on first use and reused for every step. */
  shell(): Promise<HostShell> {
    this.shellPromise ??= this.deps.connect();
    return this.shellPromise;
  }

  /** Drops the current connection; the next command opens a new one. */
  reconnect(): void {
    this.close();
    this.shellPromise = undefined;
  }

  close(): void {
    this.shellPromise?.then(
      (s) => s.close(),
      () => {},
    );
  }

  report(event: RunbookEvent): void {
    try {
      this.deps.reporter.report(event);
    } catch {
      // Chat must never fail an upgrade; the journal and audit stream have it.
    }
  }

  /**
   * From now on, journal and audit entries are not written but kept in
   * `outage`, to be written once the store is back: the runbook only brings
   * the services back in this state, and starts nothing new.
   */
  goOffline(outage: StoreUnavailableError): void {
    this.outage = outage;
  }

  async journal(entry: Omit<JournalEntry, "at">): Promise<void> {
    const full = { at: new Date(this.deps.now()).toISOString(), ...entry };
    const id = randomBytes(8).toString("hex");
    if (this.outage) {
      this.outage.pendingJournal.push({ id, entry: full });
      return;
    }
    try {
      await this.deps.journal.append(full, id);
    } catch (error) {
      // Perhaps written, perhaps not: kept, to be written again under its id.
      if (error instanceof StoreUnavailableError) error.pendingJournal.push({ id, entry: full });
      throw error;
    }
  }

  async audit(
    what: string,
    extra: { step?: string; exitCode?: number | null; detail?: string; once?: string } = {},
  ): Promise<void> {
    const event: AuditEvent = {
      requestId: this.job.requestId,
      host: this.job.host,
      who: `worker (approved by ${this.job.approvedBy})`,
      what,
      ...extra,
    };
    if (this.outage) {
      this.outage.pendingAudit.push({
        ...event,
        once: event.once ?? `${this.job.requestId}:${randomBytes(8).toString("hex")}`,
      });
      return;
    }
    try {
      await this.deps.audit.append(event);
    } catch (error) {
      if (error instanceof StoreUnavailableError) error.pendingAudit.push(event);
      throw error;
    }
  }

  async started(step: StepName, command?: string, data?: Record<string, unknown>): Promise<void> {
    this.currentStep = step;
    await this.journal({ step, event: "started", ...(data ? { data } : {}) });
    await this.audit("step-started", { step, ...(command ? { detail: command } : {}) });
    this.report({
      type: "step-started",
      requestId: this.job.requestId,
      host: this.job.host,
      step,
      ...(command ? { command } : {}),
    });
  }

  async finished(
    step: StepName,
    ok: boolean,
    result: {
      exitCode: number | null;
      durationMs: number;
      excerpt: string;
      output?: string;
      detail?: string;
    },
    data?: Record<string, unknown>,
  ): Promise<void> {
    await this.journal({
      step,
      event: ok ? "finished" : "failed",
      exitCode: result.exitCode,
      durationMs: result.durationMs,
      ...(data ? { data } : {}),
    });
    await this.audit(ok ? "step-finished" : "step-failed", {
      step,
      exitCode: result.exitCode,
      ...(result.detail ? { detail: result.detail } : {}),
    });
    this.report({
      type: "step-finished",
      requestId: this.job.requestId,
      host: this.job.host,
      step,
      ok,
      ...result,
    });
  }

  /** Runs one command as (part of) a step, without journaling: the caller decides what it means. */
  async exec(command: string, timeoutMs = this.deps.timeouts.commandMs): Promise<CommandResult> {
    return (await this.shell()).exec(command, { timeoutMs });
  }

  /**
   * Runs a one-command step: journal and report it started, run it, then
   * journal and report it finished with `ok(result)` deciding success.
   */
  async step(
    step: StepName,
    command: string,
    ok: (result: CommandResult) => boolean,
    timeoutMs?: number,
  ): Promise<CommandResult> {
    await this.started(step, command);
    const result = await this.exec(command, timeoutMs);
    await this.finished(step, ok(result), {
      exitCode: result.exitCode,
      durationMs: result.durationMs,
      excerpt: excerptOf(result),
      output: `${result.stdout}${result.stderr}`,
    });
    return result;
  }
}
