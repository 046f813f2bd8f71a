import { classifyHostFailure } from "../kcm/classify-host-failure.js";
import type { CommandResult } from "../kcm/command-output.js";
import { forgetTransaction, transactionStatus } from "../kcm/commands.js";
import { parseLastTransaction } from "../kcm/parse-last-transaction.js";
import { parseTransactionStatus } from "../kcm/parse-transaction-status.js";
import { isConnectionFailure } from "./host-shell.js";
import { failStep } from "./inspect-packages.js";
import { RunbookFailure } from "./runbook-failure.js";
import type { StepRunner } from "./step-runner.js";

/** How a detached yum transaction ended, as far as the host can tell. */
export interface TransactionEnd {
  /** yum's exit code; null when yum vanished without one, or never started. */
  exitCode: number | null;
  log: string;
  state: "finished" | "vanished" | "absent";
}

/** Runs `command` on the host, opening a new connection once if the old one dropped. */
export async function execReconnecting(
  runner: StepRunner,
  command: string,
  timeoutMs?: number,
): Promise<CommandResult> {
  try {
    return await runner.exec(command, timeoutMs);
  } catch (error) {
    if (!isConnectionFailure(error)) throw error;
    runner.reconnect();
    return runner.exec(command, timeoutMs);
  }
}

/** The runbook's wait for another yum's lock: its clock, `lockWaitMs` and `pollMs`. */
export function lockWaitOf(runner: StepRunner) {
  const { now, sleep, timeouts } = runner.deps;
  return { waitMs: timeouts.lockWaitMs, pollMs: timeouts.pollMs, now, sleep };
}

/** The newest yum transaction id on the host (0 when it has none). */
export async function lastTransactionId(
  runner: StepRunner,
  step: "upgrade" | "undo",
): Promise<number> {
  const command = runner.deps.commands.lastTransaction;
  // Another yum holding the lock for a moment: ask again.
  const result = await retryWhileLocked(
    () => execReconnecting(runner, command),
    lockWaitOf(runner),
  );
  const parsed = parseLastTransaction(result);
  if (parsed.kind === "transaction") return parsed.id;
  if (parsed.kind === "none") return 0;
  return failStep(step, parsed, "yum history info");
}

/**
 * Waits for a detached transaction (see `detachedTransaction` in
 * kcm/commands.ts) to end, asking the host every `pollMs` until
 * `transactionMs` has passed since `since`. A transaction never runs twice:
 * this only reads its status.
 */
export async function awaitTransaction(
  runner: StepRunner,
  jobId: string,
  step: "upgrade" | "undo",
  since: number,
): Promise<TransactionEnd> {
  const { transactionMs, pollMs } = runner.deps.timeouts;
  for (;;) {
    const status = parseTransactionStatus(await execReconnecting(runner, transactionStatus(jobId)));
    switch (status.state) {
      case "finished":
        return { exitCode: status.exitCode, log: status.log, state: "finished" };
      case "vanished":
        return { exitCode: null, log: status.log, state: "vanished" };
      case "absent":
        return { exitCode: null, log: "", state: "absent" };
      case "unrecognised":
        throw new RunbookFailure(
          step,
          "unrecognised-output",
          "the transaction's status could not be read",
          [status.text.slice(0, 500)],
        );
      case "running":
        if (runner.deps.now() - since > transactionMs) {
          throw new RunbookFailure(
            step,
            "timeout",
            `yum is still running on the host after ${Math.round(transactionMs / 60000)} min; it was left to finish`,
            status.log.trim().split("\n").slice(-5),
          );
        }
        await runner.deps.sleep(pollMs);
    }
  }
}

/** yum gave up at once because another process held its lock (nothing changed on the host). */
export function lockedOut(exitCode: number | null, log: string): boolean {
  if (exitCode === 0 || exitCode === null) return false;
  return classifyHostFailure({ exitCode, stdout: log, stderr: "" }).code === "yum-lock";
}

/**
 * Runs `run`, and again every `pollMs` while yum says another process holds
 * its lock (a check, an upgrade, dnf-automatic), until `waitMs` has passed.
 * Resolves to the last result, locked out or not.
 */
export async function retryWhileLocked(
  run: () => Promise<CommandResult>,
  wait: { waitMs: number; pollMs: number; now: () => number; sleep: (ms: number) => Promise<void> },
): Promise<CommandResult> {
  const deadline = wait.now() + wait.waitMs;
  let result = await run();
  while (lockedOut(result.exitCode, `${result.stdout}${result.stderr}`) && wait.now() < deadline) {
    await wait.sleep(wait.pollMs);
    result = await run();
  }
  return result;
}

/**
 * Runs a detached transaction and waits for its end. If the connection drops
 * or the command times out, the transaction goes on on the host; this then
 * polls its status instead of running it again. When yum found its lock
 * held (a check, or a person's yum, at the same moment) it changed nothing:
 * it is tried again every `pollMs` for up to `lockWaitMs`.
 */
export async function runTransaction(
  runner: StepRunner,
  jobId: string,
  step: "upgrade" | "undo",
  command: string,
): Promise<TransactionEnd> {
  const lockDeadline = runner.deps.now() + runner.deps.timeouts.lockWaitMs;
  for (;;) {
    const end = await runOnce(runner, jobId, step, command);
    if (
      !(end.state === "finished" && lockedOut(end.exitCode, end.log)) ||
      runner.deps.now() > lockDeadline
    ) {
      return end;
    }
    await runner.deps.sleep(runner.deps.timeouts.pollMs);
    await execReconnecting(runner, forgetTransaction(jobId));
  }
}

async function runOnce(
  runner: StepRunner,
  jobId: string,
  step: "upgrade" | "undo",
  command: string,
) {
  const since = runner.deps.now();
  try {
    const result = await runner.exec(command, runner.deps.timeouts.transactionMs);
    if (!result.timedOut && result.exitCode !== null) {
      return {
        exitCode: result.exitCode,
        log: `${result.stdout}${result.stderr}`,
        state: "finished" as const,
      };
    }
  } catch (error) {
    if (!isConnectionFailure(error)) throw error;
    runner.reconnect();
  }
  return awaitTransaction(runner, jobId, step, since);
}
