import { createHash } from "node:crypto";
import { z } from "zod";
import {
  formatPackageVersion,
  type PackageVersion,
  packageVersionSchema,
  samePackageVersion,
} from "../kcm/package-version.js";
import { TARGET_PATTERN } from "./names.js";

/**
 * One package's change: from the installed version (null when it is not
 * installed, which a plan never does: it marks drift) to exactly this one.
 * A plan's packages, a job's summary and a rollback's record are all these.
 */
export const packageChangeSchema = z.object({
  name: z.string().regex(/^kcm-[A-Za-z0-9][A-Za-z0-9._+-]{0,99}$/),
  arch: z.string().regex(/^[a-z0-9_]{1,16}$/),
  from: packageVersionSchema.nullable(),
  to: packageVersionSchema,
});
export type PackageChange = z.infer<typeof packageChangeSchema>;

/**
 * What an approval approves: these packages on this host, at exactly these
 * versions. The hash (sha256 of the plan's canonical text, hex) binds the
 * approval to the plan, not to "whatever is newest" when the job runs.
 */
export const upgradePlanSchema = z.object({
  /** The host (a job's plan: exactly its host); a fleet plan's: the rollout's target. */
  host: z.string().regex(TARGET_PATTERN),
  packages: z.array(packageChangeSchema).max(200),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
});
export type UpgradePlan = z.infer<typeof upgradePlanSchema>;

function canonical(host: string, packages: readonly PackageChange[]): string {
  return [
    `host ${host}`,
    ...packages.map(
      (p) =>
        `${p.name}.${p.arch} ${p.from ? formatPackageVersion(p.from) : "-"} ${formatPackageVersion(p.to)}`,
    ),
  ].join("\n");
}

// Code-point order, never the locale's: a bot and a worker with different
// LANG settings must compute the same hash for the same plan.
const codePoints = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const byNameArch = (a: PackageChange, b: PackageChange) =>
  a.name === b.name ? codePoints(a.arch, b.arch) : codePoints(a.name, b.name);

/** Makes the plan for `host` from what is pending on it (from → to per package). */
export function makeUpgradePlan(host: string, pending: readonly PackageChange[]): UpgradePlan {
  const packages = pending
    .map((p) => ({ name: p.name, arch: p.arch, from: p.from, to: p.to }))
    .sort(byNameArch);
  return { host, packages, hash: planHash(host, packages) };
}

/** The hash a plan with these packages must carry. */
export function planHash(host: string, packages: readonly PackageChange[]): string {
  return createHash("sha256")
    .update(canonical(host, [...packages].sort(byNameArch)))
    .digest("hex");
}

/** How what is pending now differs from a plan. Empty lists mean no difference. */
export interface PlanDifference {
  /** Pending now, not in the plan. */
  added: string[];
  /** In the plan, no longer pending (installed meanwhile, or withdrawn). */
  removed: string[];
  /** In both, at another version: `name.arch planned → now`. */
  changed: string[];
}

/** Compares a plan with what yum says is pending now. */
export function comparePlan(
  plan: UpgradePlan,
  pending: readonly { name: string; arch: string; to: PackageVersion }[],
): PlanDifference {
  const key = (p: { name: string; arch: string }) => `${p.name}.${p.arch}`;
  const now = new Map(pending.map((p) => [key(p), p]));
  const planned = new Map(plan.packages.map((p) => [key(p), p]));
  const added = [...now.keys()].filter((k) => !planned.has(k)).sort();
  const removed = [...planned.keys()].filter((k) => !now.has(k)).sort();
  const changed = [...planned.entries()]
    .filter(([k, p]) => {
      const current = now.get(k);
      return current !== undefined && !samePackageVersion(current.to, p.to);
    })
    .map(
      ([k, p]) =>
        `${k} ${formatPackageVersion(p.to)} → ${formatPackageVersion(now.get(k)?.to as PackageVersion)}`,
    )
    .sort();
  return { added, removed, changed };
}

export function isSamePlan(difference: PlanDifference): boolean {
  return (
    difference.added.length === 0 &&
    difference.removed.length === 0 &&
    difference.changed.length === 0
  );
}

/**
 * The plan of a rollback of one upgrade: every package it changed goes back
 * from the version it installed to the one before.
 */
export function makeRollbackPlan(
  host: string,
  changes: readonly {
    name: string;
    arch: string;
    from: PackageVersion | null;
    to: PackageVersion;
  }[],
): UpgradePlan {
  const packages = changes
    .filter((c): c is typeof c & { from: PackageVersion } => c.from !== null)
    .map((c) => ({ name: c.name, arch: c.arch, from: c.to, to: c.from }))
    .sort(byNameArch);
  return { host, packages, hash: planHash(host, packages) };
}

/**
 * A fleet request's own plan: no packages of its own, and a hash over every
 * host's plan (in the order given), so one approval binds all of them.
 */
export function makeFleetPlan(label: string, plans: readonly UpgradePlan[]): UpgradePlan {
  const text = [`fleet ${label}`, ...plans.map((plan) => `${plan.host} ${plan.hash}`)].join("\n");
  return { host: label, packages: [], hash: createHash("sha256").update(text).digest("hex") };
}
