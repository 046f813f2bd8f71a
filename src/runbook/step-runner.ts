import type { RunbookEvent, StepName } from "../chat/runbook-event.js";
import type { HostShell, ShellResult } from "./host-shell.js";
import type { JournalEntry, RunbookDeps, UpgradeJob } from "./runbook-ports.js";

const EXCERPT_LINES = 10;
const EXCERPT_LINE_CHARS = 200;

/** The last lines of a command's output, for a chat message. */
export function excerptOf(result: Pick<ShellResult, "stdout" | "stderr">): string {
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

  async journal(entry: Omit<JournalEntry, "at">): Promise<void> {
    await this.deps.journal.append({ at: new Date(this.deps.now()).toISOString(), ...entry });
  }

  async audit(
    what: string,
    extra: { step?: string; exitCode?: number | null; detail?: string; once?: string } = {},
  ): Promise<void> {
    await this.deps.audit.append({
      requestId: this.job.requestId,
      host: this.job.host,
      who: `worker (approved by ${this.job.approvedBy})`,
      what,
      ...extra,
    });
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
  async exec(command: string, timeoutMs = this.deps.timeouts.commandMs): Promise<ShellResult> {
    return (await this.shell()).exec(command, { timeoutMs });
  }

  /**
   * Runs a one-command step: journal and report it started, run it, then
   * journal and report it finished with `ok(result)` deciding success.
   */
  async step(
    step: StepName,
    command: string,
    ok: (result: ShellResult) => boolean,
    timeoutMs?: number,
  ): Promise<ShellResult> {
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
