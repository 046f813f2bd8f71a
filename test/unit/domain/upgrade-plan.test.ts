import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  comparePlan,
  isSamePlan,
  makeRollbackPlan,
  makeUpgradePlan,
  type PackageChange,
  planHash,
} from "../../../src/domain/upgrade-plan.js";
import type { PackageVersion } from "../../../src/kcm/package-version.js";

const v = (version: string, release = "1.el8", epoch = 0): PackageVersion => ({
  epoch,
  version,
  release,
});

const GUACD: PackageChange = {
  name: "kcm-guacd",
  arch: "x86_64",
  from: v("2.23.1"),
  to: v("2.24.1"),
};
const LDAP: PackageChange = {
  name: "kcm-guacamole-auth-ldap",
  arch: "noarch",
  from: v("2.23.1", "1.el8", 1),
  to: v("2.24.1", "1.el8", 1),
};
const LIBGUAC: PackageChange = {
  name: "kcm-libguac",
  arch: "x86_64",
  from: v("2.23.1"),
  to: v("2.24.1"),
};
const PACKAGES = [GUACD, LDAP, LIBGUAC];

/** makeUpgradePlan's input (what yum says is pending: `from` null for a package not installed). */
const pendingOf = (packages: readonly PackageChange[]) => packages.map((p) => ({ ...p }));

describe("planHash", () => {
  it("does not depend on the order of the packages", () => {
    const hash = planHash("kcm-1", PACKAGES);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(planHash("kcm-1", [LIBGUAC, GUACD, LDAP])).toBe(hash);
    expect(planHash("kcm-1", [LDAP, LIBGUAC, GUACD])).toBe(hash);
  });

  it("changes with the host, a package, or any part of any version", () => {
    const hash = planHash("kcm-1", PACKAGES);
    const withGuacd = (p: Partial<PackageChange>) => [{ ...GUACD, ...p }, LDAP, LIBGUAC];
    const variants = [
      planHash("kcm-2", PACKAGES),
      planHash("kcm-1", [GUACD, LDAP]),
      planHash("kcm-1", withGuacd({ name: "kcm-guacd-debuginfo" })),
      planHash("kcm-1", withGuacd({ arch: "aarch64" })),
      planHash("kcm-1", withGuacd({ to: v("2.24.2") })),
      planHash("kcm-1", withGuacd({ to: v("2.24.1", "2.el8") })),
      planHash("kcm-1", withGuacd({ to: v("2.24.1", "1.el8", 1) })),
      planHash("kcm-1", withGuacd({ from: v("2.23.0") })),
      planHash("kcm-1", withGuacd({ from: null })),
    ];
    expect(new Set([hash, ...variants]).size).toBe(variants.length + 1);
  });

  it("is the hash makeUpgradePlan gives its plan, which lists packages by name", () => {
    const plan = makeUpgradePlan("kcm-1", pendingOf([LIBGUAC, GUACD, LDAP]));
    expect(plan.hash).toBe(planHash("kcm-1", PACKAGES));
    expect(plan.packages.map((p) => p.name)).toEqual([
      "kcm-guacamole-auth-ldap",
      "kcm-guacd",
      "kcm-libguac",
    ]);
  });
});

describe("comparePlan", () => {
  const plan = makeUpgradePlan("kcm-1", pendingOf(PACKAGES));
  const pending = (packages: readonly PackageChange[]) =>
    packages.map(({ name, arch, to }) => ({ name, arch, to }));

  it("finds no difference when exactly the plan is pending", () => {
    const difference = comparePlan(plan, pending([LIBGUAC, LDAP, GUACD]));
    expect(difference).toEqual({ added: [], removed: [], changed: [] });
    expect(isSamePlan(difference)).toBe(true);
  });

  it("reports what was added, removed and changed, exactly", () => {
    const vnc = { name: "kcm-libguac-client-vnc", arch: "x86_64", to: v("2.24.1") };
    const difference = comparePlan(plan, [...pending([LDAP]), { ...GUACD, to: v("2.24.2") }, vnc]);
    expect(difference).toEqual({
      added: ["kcm-libguac-client-vnc.x86_64"],
      removed: ["kcm-libguac.x86_64"],
      changed: ["kcm-guacd.x86_64 2.24.1-1.el8 → 2.24.2-1.el8"],
    });
    expect(isSamePlan(difference)).toBe(false);
  });

  it("tells packages of one name apart by arch, and shows epochs", () => {
    const difference = comparePlan(plan, [
      ...pending([GUACD, LIBGUAC]),
      { ...LDAP, to: v("2.24.1", "1.el8", 2) },
      { ...GUACD, arch: "i686" },
    ]);
    expect(difference).toEqual({
      added: ["kcm-guacd.i686"],
      removed: [],
      changed: ["kcm-guacamole-auth-ldap.noarch 1:2.24.1-1.el8 → 2:2.24.1-1.el8"],
    });
  });

  it("reports everything removed when nothing is pending", () => {
    expect(comparePlan(plan, [])).toEqual({
      added: [],
      removed: ["kcm-guacamole-auth-ldap.noarch", "kcm-guacd.x86_64", "kcm-libguac.x86_64"],
      changed: [],
    });
  });
});

describe("makeRollbackPlan", () => {
  it("goes back from each upgraded version to the one before, and drops new installs", () => {
    const installed = {
      name: "kcm-guacamole-auth-totp",
      arch: "noarch",
      from: null,
      to: v("2.24.1"),
    };
    const rollback = makeRollbackPlan("kcm-1", [GUACD, installed, LDAP]);
    expect(rollback.host).toBe("kcm-1");
    expect(rollback.packages).toEqual([
      { name: LDAP.name, arch: LDAP.arch, from: LDAP.to, to: LDAP.from },
      { name: GUACD.name, arch: GUACD.arch, from: GUACD.to, to: GUACD.from },
    ]);
    expect(rollback.hash).toBe(planHash("kcm-1", rollback.packages));
    expect(rollback.hash).not.toBe(planHash("kcm-1", PACKAGES));
  });
});

// rpm's own characters: a version and a release never hold "-", ":" or spaces.
const part = fc.stringMatching(/^[0-9][0-9a-z._+~^]{0,8}$/);
const version = fc.record({ epoch: fc.nat({ max: 3 }), version: part, release: part });
const planned = fc.uniqueArray(
  fc.record({
    name: fc.stringMatching(/^kcm-[a-z0-9][a-z0-9.+-]{0,16}$/),
    arch: fc.constantFrom("x86_64", "noarch", "aarch64", "i686"),
    from: fc.option(version, { nil: null }),
    to: version,
  }),
  { selector: (p) => `${p.name}.${p.arch}`, maxLength: 8 },
);
const host = fc.stringMatching(/^[a-z][a-z0-9-]{0,12}$/);

describe("properties", () => {
  it("a plan compared with what it was made from shows no difference", () => {
    fc.assert(
      fc.property(host, planned, (h, packages) => {
        const plan = makeUpgradePlan(h, pendingOf(packages));
        const pending = [...plan.packages]
          .reverse()
          .map(({ name, arch, to }) => ({ name, arch, to }));
        expect(comparePlan(plan, pending)).toEqual({ added: [], removed: [], changed: [] });
      }),
    );
  });

  it("the hash is the same for any order of the packages", () => {
    fc.assert(
      fc.property(
        host,
        planned.chain((ps) =>
          fc.tuple(fc.constant(ps), fc.shuffledSubarray(ps, { minLength: ps.length })),
        ),
        (h, [packages, shuffled]) => {
          expect(planHash(h, shuffled)).toBe(planHash(h, packages));
        },
      ),
    );
  });

  it("the hash changes when any one package's target version changes", () => {
    fc.assert(
      fc.property(host, planned, fc.nat(), version, (h, packages, i, to) => {
        fc.pre(packages.length > 0);
        const at = i % packages.length;
        const before = packages[at] as PackageChange;
        fc.pre(JSON.stringify(before.to) !== JSON.stringify(to));
        const changed = packages.map((p, j) => (j === at ? { ...p, to } : p));
        expect(planHash(h, changed)).not.toBe(planHash(h, packages));
      }),
    );
  });

  it("rolling a rollback back gives the original packages (those that had a from)", () => {
    fc.assert(
      fc.property(host, planned, (h, packages) => {
        const once = makeRollbackPlan(h, packages);
        const twice = makeRollbackPlan(h, once.packages);
        const upgraded = makeUpgradePlan(
          h,
          packages.flatMap(({ from, ...p }) => (from ? [{ ...p, from }] : [])),
        );
        expect(twice.packages).toEqual(upgraded.packages);
        expect(twice.hash).toBe(upgraded.hash);
        expect(once.hash).toBe(planHash(h, once.packages));
      }),
    );
  });
});
