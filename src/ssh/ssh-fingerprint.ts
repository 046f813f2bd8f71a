import { createHash } from "node:crypto";

/**
 * The fingerprint OpenSSH prints for a public key blob (`ssh-keygen -l`,
 * `ssh-keyscan | ssh-keygen -lf -`): `SHA256:` and the unpadded base64 of its SHA-256.
 */
export function sshFingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash("sha256").update(keyBlob).digest("base64").replace(/=+$/, "")}`;
}
