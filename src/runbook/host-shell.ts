/**
 * The ports the runbook needs to reach a host, implemented by `ssh/`. The
 * runbook knows these shapes, never ssh2.
 */

import type { CommandResult } from "../kcm/command-output.js";

/** One open connection to one host. */
export interface HostShell {
  exec(command: string, options?: { timeoutMs?: number }): Promise<CommandResult>;
  close(): void;
}

/**
 * How a connection failed (an `ssh/` SshError satisfies it): a code such as
 * `refused`, `host-key-mismatch` or `dropped`, and a message for people.
 */
export interface ConnectionFailure {
  code: string;
  message: string;
  details?: { expectedFingerprint?: string; actualFingerprint?: string };
}

export function isConnectionFailure(error: unknown): error is ConnectionFailure {
  return (
    error instanceof Error &&
    typeof (error as Partial<ConnectionFailure>).code === "string" &&
    (error as { name?: string }).name === "SshError"
  );
}
