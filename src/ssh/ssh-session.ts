import { readFile } from "node:fs/promises";
import { Client, type ClientChannel } from "ssh2";
import type { CommandResult } from "../kcm/command-output.js";
import { CappedOutput } from "./capped-output.js";
import { classifyConnectError, SshError } from "./ssh-error.js";
import { sshFingerprint } from "./ssh-fingerprint.js";
import { describeUnreadableKey } from "./unreadable-key.js";

/** Where and as whom to connect, and the host key to insist on. */
export interface SshTarget {
  /** The inventory name, for messages. */
  name: string;
  address: string;
  port: number;
  user: string;
  privateKeyPath: string;
  /** The pinned host key fingerprint, `SHA256:...`, as OpenSSH prints it. */
  hostKey: string;
}

/** Options for {@link openSshSession}. */
export interface SshSessionOptions {
  /** @defaultValue 30000 */
  connectTimeoutMs?: number;
  /** A keepalive every this many ms; three unanswered ones drop the connection. @defaultValue 10000 */
  keepaliveIntervalMs?: number;
}

/** Options for {@link SshSession.exec}. */
export interface ExecOptions {
  /** Stop the command after this long. @defaultValue 120000 */
  timeoutMs?: number;
  /** Keep at most this much of each of stdout and stderr (head and tail). @defaultValue 1 MiB */
  maxOutputBytes?: number;
  /** How long a timed-out command may take to end after SIGTERM. @defaultValue 3000 */
  graceMs?: number;
}

/** What a command on the host left behind, and how much of its output was dropped. */
export interface ExecResult extends CommandResult {
  /** Bytes dropped from the middle of stdout and stderr. */
  omittedBytes: number;
}

/**
 * One SSH connection to one host, reused for every command of a check or a
 * runbook. The host key is checked against the pin during the handshake,
 * before authentication: a wrong key means nothing ever runs.
 */
export class SshSession {
  private closed = false;
  private dropError: SshError | undefined;
  private readonly pending = new Set<(error: SshError) => void>();

  private constructor(
    private readonly client: Client,
    readonly target: SshTarget,
  ) {
    client.on("error", (error) => this.onDrop(classifyConnectError(target.name, error)));
    client.on("close", () =>
      this.onDrop(
        new SshError("dropped", `${target.name}: the connection closed`, { host: target.name }),
      ),
    );
  }

  private onDrop(error: SshError): void {
    if (this.closed) return;
    this.closed = true;
    this.dropError = error;
    for (const reject of this.pending) reject(error);
    this.pending.clear();
  }

  /** Connects and authenticates, or rejects with an {@link SshError}. */
  static async open(target: SshTarget, options: SshSessionOptions = {}): Promise<SshSession> {
    let privateKey: Buffer;
    try {
      privateKey = await readFile(target.privateKeyPath);
    } catch (error) {
      throw new SshError(
        "key-unreadable",
        `${target.name}: ${await describeUnreadableKey(target.privateKeyPath, error)}`,
        {
          host: target.name,
          cause: error,
        },
      );
    }
    let presented: string | undefined;
    const client = new Client();
    return new Promise<SshSession>((resolve, reject) => {
      const fail = (error: unknown) => {
        client.removeAllListeners();
        client.on("error", () => {});
        client.destroy();
        if (presented !== undefined && presented !== target.hostKey) {
          reject(
            new SshError(
              "host-key-mismatch",
              `${target.name}: host key mismatch: expected ${target.hostKey}, the host presented ${presented}. Nothing was run. If the host was rebuilt, pin its new key in the inventory.`,
              {
                host: target.name,
                expectedFingerprint: target.hostKey,
                actualFingerprint: presented,
                cause: error,
              },
            ),
          );
        } else if (
          error instanceof Error &&
          /Cannot parse privateKey|passphrase/i.test(error.message)
        ) {
          reject(
            new SshError(
              "key-unreadable",
              `${target.name}: cannot use the private key ${target.privateKeyPath}: ${error.message}`,
              {
                host: target.name,
                cause: error,
              },
            ),
          );
        } else {
          reject(classifyConnectError(target.name, error));
        }
      };
      client.once("ready", () => {
        client.removeAllListeners();
        resolve(new SshSession(client, target));
      });
      client.once("error", fail);
      try {
        client.connect({
          host: target.address,
          port: target.port,
          username: target.user,
          privateKey,
          readyTimeout: options.connectTimeoutMs ?? 30_000,
          keepaliveInterval: options.keepaliveIntervalMs ?? 10_000,
          keepaliveCountMax: 3,
          // Fail closed: only the pinned key is accepted, before any authentication.
          hostVerifier: (key: Buffer) => {
            presented = sshFingerprint(key);
            return presented === target.hostKey;
          },
        });
      } catch (error) {
        fail(error);
      }
    });
  }

  /**
   * Runs `command` and collects its output. A command that runs past its
   * timeout gets SIGTERM (sudo passes it on to yum), then its channel is
   * closed; the result says `timedOut`. Rejects with an {@link SshError}
   * (`dropped`, with the partial output) if the connection goes away.
   */
  exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    const host = this.target.name;
    if (this.closed) {
      return Promise.reject(
        this.dropError ?? new SshError("dropped", `${host}: the session is closed`, { host }),
      );
    }
    const limit = options.maxOutputBytes ?? 1024 * 1024;
    const stdout = new CappedOutput(limit);
    const stderr = new CappedOutput(limit);
    const started = performance.now();
    return new Promise<ExecResult>((resolve, reject) => {
      let channel: ClientChannel | undefined;
      let exitCode: number | null = null;
      let signal: string | null = null;
      let timedOut = false;
      let settled = false;
      const timers: NodeJS.Timeout[] = [];
      const finish = (error?: SshError) => {
        if (settled) return;
        settled = true;
        for (const t of timers) clearTimeout(t);
        this.pending.delete(onDrop);
        if (error) {
          error.details.partial = { stdout: stdout.toString(), stderr: stderr.toString() };
          reject(error);
          return;
        }
        resolve({
          exitCode,
          signal,
          stdout: stdout.toString(),
          stderr: stderr.toString(),
          durationMs: Math.round(performance.now() - started),
          timedOut,
          omittedBytes: stdout.omittedBytes + stderr.omittedBytes,
        });
      };
      const onDrop = (error: SshError) =>
        finish(
          new SshError("dropped", `${host}: the connection dropped while running \`${command}\``, {
            host,
            cause: error,
          }),
        );
      this.pending.add(onDrop);
      timers.push(
        setTimeout(() => {
          timedOut = true;
          // sshd (OpenSSH 7.9+) delivers the signal; sudo relays it to yum.
          channel?.signal("TERM");
          timers.push(setTimeout(() => channel?.close(), options.graceMs ?? 3000));
        }, options.timeoutMs ?? 120_000),
      );
      this.client.exec(command, (error, ch) => {
        if (error) {
          finish(classifyConnectError(host, error));
          return;
        }
        channel = ch;
        ch.on("data", (chunk: Buffer) => stdout.push(chunk));
        ch.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
        ch.on("exit", (code: number | null, signalName?: string) => {
          exitCode = typeof code === "number" ? code : null;
          signal = signalName ?? null;
        });
        ch.on("close", () => finish());
      });
    });
  }

  /** Closes the connection. Commands still running get their channel closed. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.client.end();
  }
}

/** Opens an {@link SshSession}. */
export const openSshSession = SshSession.open;
