import { classifyHostFailure } from "./classify-host-failure.js";
import type { CommandOutput } from "./command-output.js";
import { type HostFailure, rawOutputText, readableLines } from "./host-failure.js";
import { type PackageVersion, parsePackageVersion } from "./package-version.js";

/** A package that `yum upgrade` would install: `kcm-guacd.x86_64  2.24.1-1.el8  kcm-2.24.1`. */
export interface PendingUpdate {
  name: string;
  arch: string;
  version: PackageVersion;
  /** The repository id it comes from. */
  repo: string;
}

/**
 * What `yum list updates` or `yum check-update` said: updates pending (in
 * dnf 4's or yum 3's format), none, a failure, or output we cannot read.
 */
export type YumListUpdates =
  | { kind: "pending"; dialect: "dnf" | "yum3"; packages: PendingUpdate[] }
  | { kind: "none" }
  | { kind: "failed"; failure: HostFailure }
  | { kind: "unrecognised"; text: string };

/** The header above the list: dnf 4 (RHEL 8/9), yum 3 (RHEL/CentOS 7). */
const LIST_HEADERS = { "Available Upgrades": "dnf", "Updated Packages": "yum3" } as const;

/** Headers of other sections `yum list` and `check-update` may print after the list. */
const SECTION_HEADERS = new Set([
  ...Object.keys(LIST_HEADERS),
  "Obsoleting Packages",
  "Installed Packages",
  "Available Packages",
  "Extra Packages",
  "Recently Added Packages",
]);

// "name.arch": rpm names have no whitespace; arches are x86_64, noarch, i686, aarch64, ...
const NAME_ARCH = /^(\S+)\.([A-Za-z0-9_]+)$/;
// A repo id, or "@repo" / "@System" for an installed package (yum 3 shows obsoleted ones so).
const REPO = /^@?[A-Za-z0-9_.:+@-]+$/;
/** yum 3's own lines, which dnf never prints: how check-update output shows its dialect. */
const YUM3_MARKERS = [/^Loaded plugins: /, /^Loading mirror speeds from cached hostfile$/];

/**
 * Reads the package rows of one section: each is "name.arch evr repo", and
 * a long name may sit alone on its line with the rest on the next, so the
 * section is read as a stream of words taken three at a time. Undefined
 * unless every word fits.
 */
function readRows(lines: readonly string[]): PendingUpdate[] | undefined {
  const words = lines.flatMap((line) => line.trim().split(/\s+/).filter(Boolean));
  if (words.length === 0 || words.length % 3 !== 0) return undefined;
  const rows: PendingUpdate[] = [];
  for (let i = 0; i < words.length; i += 3) {
    const nameArch = NAME_ARCH.exec(words[i] ?? "");
    const version = parsePackageVersion(words[i + 1] ?? "");
    const repo = words[i + 2] ?? "";
    if (!nameArch || !version || !REPO.test(repo)) return undefined;
    const [, name, arch] = nameArch;
    if (name === undefined || arch === undefined) return undefined;
    rows.push({ name, arch, version, repo });
  }
  return rows;
}

/** The lines of the section that starts at `start`: up to a blank line or the next header. */
function sectionAt(lines: readonly string[], start: number): string[] {
  const section: string[] = [];
  for (const line of lines.slice(start)) {
    if (line.trim() === "" || SECTION_HEADERS.has(line.trim())) break;
    section.push(line);
  }
  return section;
}

/**
 * A result is "none" or "pending" only when nothing in the output names a
 * known problem: with skip_if_unavailable, for one, dnf reports an
 * unreachable repository and still answers as if nothing were pending.
 */
function unlessKnownFailure(output: CommandOutput, result: YumListUpdates): YumListUpdates {
  const failure = classifyHostFailure(output);
  return failure.code === "command-failed" ? result : { kind: "failed", failure };
}

const unrecognised = (output: CommandOutput): YumListUpdates => ({
  kind: "unrecognised",
  text: rawOutputText(output),
});

const finished = (output: CommandOutput) => output.exitCode !== null && output.timedOut !== true;

/**
 * Reads `yum list updates 'kcm-*'` (LIST_UPDATES) in either dialect. The
 * lines before the header (plugins, mirrors, subscription-manager, metadata
 * downloads) are skipped; colours and `\r\n` from a terminal are ignored.
 * Exit 1 with "Error: No matching Packages to list" is "none". Never throws.
 */
export function parseYumListUpdates(output: CommandOutput): YumListUpdates {
  if (!finished(output)) return { kind: "failed", failure: classifyHostFailure(output) };
  const lines = readableLines(output.stdout);
  const headerAt = lines.findIndex((line) => Object.hasOwn(LIST_HEADERS, line.trim()));
  const header = lines[headerAt]?.trim() as keyof typeof LIST_HEADERS | undefined;

  if (output.exitCode === 0) {
    if (header === undefined) return unrecognised(output);
    const packages = readRows(sectionAt(lines, headerAt + 1));
    if (!packages) return unrecognised(output);
    return unlessKnownFailure(output, { kind: "pending", dialect: LIST_HEADERS[header], packages });
  }
  const all = [...lines, ...readableLines(output.stderr)].map((line) => line.trim());
  if (output.exitCode === 1 && all.includes("Error: No matching Packages to list")) {
    return unlessKnownFailure(output, { kind: "none" });
  }
  return { kind: "failed", failure: classifyHostFailure(output) };
}

/**
 * Reads `yum check-update 'kcm-*'`: exit 100 and the list (after a blank
 * line, with no header) when updates are pending, exit 0 when none, any
 * other exit a failure. As there is no header, the dialect is yum 3 when
 * yum 3's own lines ("Loaded plugins: ...") are present, dnf otherwise.
 * Never throws.
 */
export function parseYumCheckUpdate(output: CommandOutput): YumListUpdates {
  if (!finished(output)) return { kind: "failed", failure: classifyHostFailure(output) };
  if (output.exitCode === 0) return unlessKnownFailure(output, { kind: "none" });
  if (output.exitCode !== 100) return { kind: "failed", failure: classifyHostFailure(output) };

  const lines = readableLines(output.stdout);
  const dialect = lines.some((line) => YUM3_MARKERS.some((m) => m.test(line))) ? "yum3" : "dnf";
  // The list is the first block (after a blank line) whose every word fits a row.
  for (let start = 0; start < lines.length; start++) {
    if (start > 0 && lines[start - 1]?.trim() !== "") continue;
    const packages = readRows(sectionAt(lines, start));
    if (packages) return unlessKnownFailure(output, { kind: "pending", dialect, packages });
  }
  return unrecognised(output);
}
