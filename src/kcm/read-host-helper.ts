import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** The host helper this bot ships, as installed on every KCM host. */
export interface HostHelperFile {
  /** Where it was read from. */
  path: string;
  text: string;
  /** sha256 of its bytes, lowercase hex: what `doctor` compares with the host's copy. */
  sha256: string;
}

/**
 * The package's `host/kcm-host`, found from this module upwards (it runs
 * from `src/kcm/` with tsx, from `dist/src/kcm/` once built, and the image
 * copies `host/` beside `dist/`).
 */
function helperPath(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = path.join(dir, "host", "kcm-host");
    if (existsSync(candidate) && existsSync(path.join(dir, "package.json"))) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error("kcm-chatops: host/kcm-host is missing from the package");
    dir = parent;
  }
}

let cached: HostHelperFile | undefined;

/** Reads the shipped host helper (once per process). */
export function readHostHelper(): HostHelperFile {
  if (cached) return cached;
  const file = helperPath();
  const bytes = readFileSync(file);
  cached = {
    path: file,
    text: bytes.toString("utf8"),
    sha256: createHash("sha256").update(bytes).digest("hex"),
  };
  return cached;
}
