import type { PackageChange } from "../domain/upgrade-plan.js";
import type { Layout } from "./commands.js";
import { formatPackageVersion } from "./package-version.js";
import type { InstalledPackage } from "./parse-installed-packages.js";
import type { UnitState } from "./parse-unit-states.js";

/**
 * What a check found on one host (`kcm-chatops check`, `/kcm check`, the
 * plan of a request): versions, layout, units, what is pending, and the
 * problems met, each in our words and the host's.
 */

/** What went wrong on one host, in our words and the host's. */
export interface CheckProblem {
  /** Where: the connection itself, or the command that failed. */
  source: "connection" | "yum" | "rpm" | "systemctl" | "inventory" | "lock";
  /** A connection failure code (`refused`, `host-key-mismatch`...), a host failure code (`yum-lock`...) or `unrecognised-output`. */
  code: string;
  summary: string;
  /** The host's own words. */
  evidence: string[];
}

/**
 * A pending update: a package's change, from the installed version (null
 * when yum offers a package that is not installed: it would not be
 * upgraded) to the one yum would install, and the repository it comes from.
 */
export type PendingChange = PackageChange & { repo: string };

/** The state of one host: whatever could be learnt, and the problems met. */
export interface HostCheck {
  host: string;
  durationMs: number;
  /** `version-release` of kcm-guacamole (or kcm-guacd where the web app is not a package). */
  kcmVersion?: string;
  layout?: Layout;
  installed?: InstalledPackage[];
  /** Empty when the host is up to date; absent when yum could not tell. */
  pending?: PendingChange[];
  services?: UnitState[];
  /** Active remote sessions (connections to guacd); null when they could not be counted. */
  sessions?: number | null;
  /** Why the sessions could not be counted. */
  sessionsUnknown?: string;
  problems: CheckProblem[];
}

/** `2.23.1-1.el8 → 2.24.1-1.el8`, for one pending change. */
export function describeChange(change: PendingChange): string {
  const from = change.from ? formatPackageVersion(change.from) : "(not installed)";
  return `${change.name} ${from} → ${formatPackageVersion(change.to)}`;
}

/** The packages whose version names a KCM release, in order of preference. */
const RELEASE_PACKAGES = ["kcm-guacamole", "kcm-guacd"];

/** The pending change that names the KCM release a host would get: kcm-guacamole's, else kcm-guacd's, else the first. */
export function releaseChange(check: Pick<HostCheck, "pending">): PendingChange | undefined {
  const pending = check.pending ?? [];
  return (
    RELEASE_PACKAGES.map((name) => pending.find((p) => p.name === name)).find(Boolean) ?? pending[0]
  );
}
