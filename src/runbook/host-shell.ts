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

/** The wall clock, for waits outside a runbook (which has its own, faked in tests). */
export const REAL_CLOCK = {
  now: () => Date.now(),
  sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
};

/**
 * Runs `work` over a new connection to `host`, closed after. A connection
 * failure, at the connect or midway, resolves to its message instead; any
 * other error is a bug and is thrown on.
 */
export async function overConnection<T>(
  connect: (host: string) => Promise<HostShell>,
  host: string,
  work: (shell: HostShell) => Promise<T>,
): Promise<{ ok: true; value: T } | { ok: false; reason: string }> {
  let shell: HostShell;
  try {
    shell = await connect(host);
  } catch (error) {
    if (!isConnectionFailure(error)) throw error;
    return { ok: false, reason: error.message };
  }
  try {
    return { ok: true, value: await work(shell) };
  } catch (error) {
    if (!isConnectionFailure(error)) throw error;
    return { ok: false, reason: error.message };
  } finally {
    shell.close();
  }
}
