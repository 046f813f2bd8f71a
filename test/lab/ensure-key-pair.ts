import { access, mkdir } from "node:fs/promises";
import path from "node:path";
import { mustRun } from "./run-command.js";

/** Whether `file` exists. */
export function fileExists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

/** Makes an ed25519 key pair at `file` (and `file`.pub) unless one is there already. */
export async function ensureKeyPair(file: string, comment: string): Promise<void> {
  if (await fileExists(file)) return;
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  await mustRun("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", file]);
}
