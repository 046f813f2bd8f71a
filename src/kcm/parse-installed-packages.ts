import { classifyHostFailure } from "./classify-host-failure.js";
import type { CommandOutput } from "./command-output.js";
import { type HostFailure, rawOutputText, readableLines } from "./host-failure.js";
import type { PackageVersion } from "./package-version.js";

/** An installed package, as rpm names it. */
export interface InstalledPackage {
  name: string;
  arch: string;
  version: PackageVersion;
}

/**
 * The installed kcm-* packages (sorted by name, then arch), a failure, or
 * output we cannot read. `epochUnknown` is set when the output was plain
 * `rpm -qa` lines, which never show an epoch: there, epoch 0 means "not
 * shown", not "none" (`kcm-guacamole-auth-ldap` has epoch 1).
 */
export type InstalledPackages =
  | { kind: "installed"; packages: InstalledPackage[]; epochUnknown?: true }
  | { kind: "failed"; failure: HostFailure }
  | { kind: "unrecognised"; text: string };

// Version and release have neither "-" nor ":" nor whitespace (package-version.ts).
const PART = String.raw`[^\s:-]+`;
const PART_ONLY = new RegExp(`^${PART}$`);
const NAME = /^[^\s/:]+$/;
const ARCH = /^[A-Za-z0-9_]+$/;
// `name-[epoch:]version-release.arch`; the name may itself hold "-".
const NEVRA = new RegExp(`^([^\\s/:]+)-(?:(\\d+):)?(${PART})-(${PART})\\.([A-Za-z0-9_]+)$`);

/** QUERY_INSTALLED's line: name, epoch, version, release, arch, separated by tabs. */
function readTabLine(line: string): InstalledPackage | undefined {
  const fields = line.split("\t");
  if (fields.length !== 5) return undefined;
  const [name, epoch, version, release, arch] = fields.map((f) => f.trim());
  if (name === undefined || epoch === undefined || version === undefined) return undefined;
  if (release === undefined || arch === undefined) return undefined;
  if (!NAME.test(name) || !/^\d{1,9}$/.test(epoch) || !ARCH.test(arch)) return undefined;
  if (!PART_ONLY.test(version) || !PART_ONLY.test(release)) return undefined;
  return { name, arch, version: { epoch: Number(epoch), version, release } };
}

/** A plain `rpm -qa` line, `kcm-guacd-2.24.1-1.el8.x86_64`, with the epoch if printed. */
function readNevraLine(line: string): { pkg: InstalledPackage; epochShown: boolean } | undefined {
  const match = NEVRA.exec(line.trim());
  if (!match) return undefined;
  const [, name, epoch, version, release, arch] = match;
  if (name === undefined || version === undefined || release === undefined) return undefined;
  if (arch === undefined || (epoch !== undefined && epoch.length > 9)) return undefined;
  return {
    pkg: { name, arch, version: { epoch: Number(epoch ?? 0), version, release } },
    epochShown: epoch !== undefined,
  };
}

const byNameThenArch = (a: InstalledPackage, b: InstalledPackage) =>
  a.name === b.name ? (a.arch < b.arch ? -1 : a.arch > b.arch ? 1 : 0) : a.name < b.name ? -1 : 1;

/**
 * Reads QUERY_INSTALLED's tab-separated lines, or plain `rpm -qa` lines
 * (`kcm-guacd-2.24.1-1.el8.x86_64`). Every line must be of one format, or
 * the result is "unrecognised". No output at all is no packages installed.
 * Never throws.
 */
export function parseInstalledPackages(output: CommandOutput): InstalledPackages {
  if (output.exitCode !== 0 || output.timedOut === true) {
    return { kind: "failed", failure: classifyHostFailure(output) };
  }
  const unrecognised: InstalledPackages = { kind: "unrecognised", text: rawOutputText(output) };
  const lines = readableLines(output.stdout).filter((line) => line.trim() !== "");
  if (lines.length === 0) {
    // rpm -qa that matches nothing prints nothing; anything on stderr is a problem we cannot name.
    return output.stderr.trim() === "" ? { kind: "installed", packages: [] } : unrecognised;
  }
  const tabbed = lines.map(readTabLine);
  if (tabbed.every((p) => p !== undefined)) {
    return { kind: "installed", packages: tabbed.sort(byNameThenArch) };
  }
  const nevras = lines.map(readNevraLine);
  if (!nevras.every((n) => n !== undefined)) return unrecognised;
  const packages = nevras.map((n) => n.pkg).sort(byNameThenArch);
  return nevras.some((n) => n.epochShown)
    ? { kind: "installed", packages }
    : { kind: "installed", packages, epochUnknown: true };
}
