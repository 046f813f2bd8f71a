/** What a command on a host left behind, as every parser in `kcm/` takes it. */
export interface CommandOutput {
  /** The exit code, or null when the command ended by a signal or never ended. */
  exitCode: number | null;
  stdout: string;
  stderr: string;
  /** The command was stopped because it ran past its timeout. */
  timedOut?: boolean;
}
