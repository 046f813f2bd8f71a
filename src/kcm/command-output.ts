/** What a command on a host left behind, as every parser in `kcm/` takes it. */
export interface CommandOutput {
  /** The exit code, or null when the command ended by a signal or never ended. */
  exitCode: number | null;
  stdout: string;
  stderr: string;
  /** The command was stopped because it ran past its timeout. */
  timedOut?: boolean;
}

/**
 * A command's whole result, as a host connection gives it back (`ssh/`'s
 * sessions, the runbook's port): the output, the signal that ended it, and
 * how long it ran.
 */
export interface CommandResult extends CommandOutput {
  /** The signal that ended the command, e.g. `SIGTERM` after a timeout. */
  signal: string | null;
  durationMs: number;
  timedOut: boolean;
}
