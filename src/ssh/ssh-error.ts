/**
 * How an SSH connection or command failed, as an operator needs to know it:
 * - `refused`: nothing listens at the address and port (sshd down, wrong port);
 * - `unreachable`: no route, or the name does not resolve;
 * - `timeout`: no SSH handshake within the connect timeout;
 * - `auth-failed`: the host refused the bot's key for that user;
 * - `host-key-mismatch`: the host's key is not the pinned one (nothing was run);
 * - `key-unreadable`: the bot's private key file cannot be read or parsed;
 * - `dropped`: the connection went away mid-command (or keepalives went unanswered).
 */
export type SshErrorCode =
  | "refused"
  | "unreachable"
  | "timeout"
  | "auth-failed"
  | "host-key-mismatch"
  | "key-unreadable"
  | "dropped";

/** What the command had printed before the connection dropped. */
export interface PartialOutput {
  stdout: string;
  stderr: string;
}

/** An SSH failure with a {@link SshErrorCode} and, where it helps, the fingerprints or partial output. */
export class SshError extends Error {
  override readonly name = "SshError";

  constructor(
    readonly code: SshErrorCode,
    message: string,
    readonly details: {
      host: string;
      cause?: unknown;
      expectedFingerprint?: string;
      actualFingerprint?: string;
      partial?: PartialOutput;
    },
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
  }
}

/** Turns an error from ssh2 or the socket into an {@link SshError}, keeping it as the cause. */
export function classifyConnectError(host: string, error: unknown): SshError {
  if (error instanceof SshError) return error;
  const err = error as NodeJS.ErrnoException & { level?: string };
  const where = `${host}:`;
  switch (err.code) {
    case "ECONNREFUSED":
      return new SshError(
        "refused",
        `${where} connection refused (is sshd running on that port?)`,
        {
          host,
          cause: error,
        },
      );
    case "EHOSTUNREACH":
    case "ENETUNREACH":
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return new SshError("unreachable", `${where} cannot reach the host (${err.code})`, {
        host,
        cause: error,
      });
    case "ETIMEDOUT":
      return new SshError("timeout", `${where} connection timed out`, { host, cause: error });
    case "ECONNRESET":
    case "EPIPE":
      return new SshError("dropped", `${where} the connection was reset`, { host, cause: error });
  }
  if (/Keepalive timeout/i.test(err.message)) {
    return new SshError("dropped", `${where} the host stopped answering keepalives`, {
      host,
      cause: error,
    });
  }
  if (err.level === "client-timeout" || /Timed out while waiting for handshake/.test(err.message)) {
    return new SshError("timeout", `${where} no SSH handshake before the connect timeout`, {
      host,
      cause: error,
    });
  }
  if (err.level === "client-authentication") {
    return new SshError(
      "auth-failed",
      `${where} the host refused the bot's key (check the user and its authorized_keys)`,
      { host, cause: error },
    );
  }
  return new SshError("dropped", `${where} ${err.message}`, { host, cause: error });
}
