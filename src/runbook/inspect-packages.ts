import type { StepName } from "../chat/runbook-event.js";
import type { UpgradePlan } from "../domain/upgrade-plan.js";
import type { CommandResult } from "../kcm/command-output.js";
import type { HostFailure } from "../kcm/host-failure.js";
import { type PackageVersion, samePackageVersion } from "../kcm/package-version.js";
import { type InstalledPackage, parseInstalledPackages } from "../kcm/parse-installed-packages.js";
import { type PendingUpdate, parseYumListUpdates } from "../kcm/parse-yum-list-updates.js";
import { RunbookFailure } from "./runbook-failure.js";

/** Fails `step` with the host's words (a classified failure) or its unrecognised output. */
export function failStep(
  step: StepName,
  parsed: { kind: "failed"; failure: HostFailure } | { kind: "unrecognised"; text: string },
  program: string,
): never {
  if (parsed.kind === "failed") {
    throw new RunbookFailure(
      step,
      parsed.failure.code,
      parsed.failure.summary,
      parsed.failure.evidence,
    );
  }
  throw new RunbookFailure(step, "unrecognised-output", `${program} printed something unexpected`, [
    parsed.text.slice(0, 500),
  ]);
}

/** Reads QUERY_INSTALLED's output, or fails `step` with the host's words. */
export function installedFrom(step: StepName, result: CommandResult): InstalledPackage[] {
  const parsed = parseInstalledPackages(result);
  if (parsed.kind === "installed") return parsed.packages;
  return failStep(step, parsed, "rpm");
}

/** Reads LIST_UPDATES's output (empty when nothing is pending), or fails `step`. */
export function pendingFrom(step: StepName, result: CommandResult): PendingUpdate[] {
  const parsed = parseYumListUpdates(result);
  if (parsed.kind === "pending") return parsed.packages;
  if (parsed.kind === "none") return [];
  return failStep(step, parsed, "yum");
}

/** How the installed packages stand against a plan. */
export type PlanState = "before" | "after" | "mixed";

/**
 * Whether the host has the plan's packages at their `from` versions (the
 * upgrade has not happened), at their `to` versions (it has), or neither.
 */
export function planState(
  plan: UpgradePlan,
  installed: readonly InstalledPackage[],
  side: {
    before: (p: UpgradePlan["packages"][number]) => PackageVersion | null;
    after: (p: UpgradePlan["packages"][number]) => PackageVersion;
  },
): PlanState {
  const version = (name: string, arch: string) =>
    installed.find((i) => i.name === name && i.arch === arch)?.version;
  const matches = (pick: (p: UpgradePlan["packages"][number]) => PackageVersion | null) =>
    plan.packages.every((p) => {
      const want = pick(p);
      const have = version(p.name, p.arch);
      return want === null
        ? have === undefined
        : have !== undefined && samePackageVersion(have, want);
    });
  if (matches(side.after)) return "after";
  if (matches(side.before)) return "before";
  return "mixed";
}

/** For an upgrade: before = each package's `from`, after = its `to`. */
export const UPGRADE_SIDES = {
  before: (p: UpgradePlan["packages"][number]) => p.from,
  after: (p: UpgradePlan["packages"][number]) => p.to,
};
