import { Client } from "ssh2";
import { classifyConnectError, SshError } from "./ssh-error.js";
import { sshFingerprint } from "./ssh-fingerprint.js";

/** The key a host presented in the SSH handshake. */
export interface ScannedHostKey {
  /** `SHA256:...`, as `ssh-keygen -l` prints it. */
  fingerprint: string;
  /** The key's algorithm from its blob: `ssh-ed25519`, `ecdsa-sha2-nistp256`, `ssh-rsa`... */
  keyType: string;
}

/** Where to scan, and for how long. */
export interface ScanTarget {
  address: string;
  port: number;
  /** For messages. @defaultValue `address:port` */
  name?: string;
}

/** The algorithm name at the start of an SSH public key blob (RFC 4253 §6.6: a length-prefixed string). */
export function keyTypeOf(blob: Buffer): string {
  if (blob.length < 4) return "unknown";
  const length = blob.readUInt32BE(0);
  const name = blob.subarray(4, 4 + length).toString("latin1");
  return length > 0 && length <= 64 && /^[\x21-\x7e]+$/.test(name) ? name : "unknown";
}

/**
 * Opens an SSH connection just far enough to receive the host's key, then
 * refuses it: nothing is authenticated, nothing is trusted. The key is the
 * one the bot's own connections negotiate (the same ssh2 algorithm
 * preferences), so its fingerprint is the one to pin. Rejects with an
 * {@link SshError}: `refused`, `unreachable`, `timeout` or `dropped`.
 */
export function scanHostKey(
  target: ScanTarget,
  options: { timeoutMs?: number } = {},
): Promise<ScannedHostKey> {
  const name = target.name ?? formatAddress(target.address, target.port);
  const client = new Client();
  let presented: Buffer | undefined;
  return new Promise<ScannedHostKey>((resolve, reject) => {
    const settle = (error: unknown) => {
      client.removeAllListeners();
      client.on("error", () => {});
      client.destroy();
      if (presented !== undefined) {
        resolve({ fingerprint: sshFingerprint(presented), keyType: keyTypeOf(presented) });
      } else reject(classifyConnectError(name, error));
    };
    client.once("error", settle);
    client.once("close", () =>
      settle(
        new SshError("dropped", `${name}: the connection closed before the host sent its key`, {
          host: name,
        }),
      ),
    );
    // Never reached: the key is refused before authentication.
    client.once("ready", () => settle(new Error("authenticated without a key")));
    try {
      client.connect({
        host: target.address,
        port: target.port,
        username: "kcm-chatops-keyscan",
        readyTimeout: options.timeoutMs ?? 10_000,
        hostVerifier: (key: Buffer) => {
          presented = Buffer.from(key);
          return false;
        },
      });
    } catch (error) {
      settle(error);
    }
  });
}

/** `127.0.1.3:2222`, `[::1]:22`. */
export function formatAddress(address: string, port: number): string {
  return address.includes(":") ? `[${address}]:${port}` : `${address}:${port}`;
}
