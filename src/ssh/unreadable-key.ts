import { stat } from "node:fs/promises";

/**
 * Why this process cannot read its SSH private key, and what fixes it, in
 * one sentence: most often a key owned by root (mode 0600) mounted into a
 * container that runs as another user (the image runs as `node`, uid 1000).
 */
export async function describeUnreadableKey(path: string, error: unknown): Promise<string> {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === "ENOENT") return `the private key ${path} does not exist`;
  const uid = process.getuid?.();
  const facts = await stat(path).catch(() => undefined);
  if (code !== "EACCES" || facts === undefined || uid === undefined) {
    return `cannot read the private key ${path}${code ? ` (${code})` : ""}`;
  }
  const mode = (facts.mode & 0o777).toString(8).padStart(4, "0");
  return `cannot read the private key ${path}: it is owned by uid ${facts.uid} with mode ${mode}, and kcm-chatops runs as uid ${uid}. Make the key readable by uid ${uid} only: chown ${uid} <key> && chmod 600 <key> (for Docker, on the file in ./config on the Docker host)`;
}
