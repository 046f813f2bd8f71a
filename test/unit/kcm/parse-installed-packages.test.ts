import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { CommandOutput } from "../../../src/kcm/command-output.js";
import { rawOutputText } from "../../../src/kcm/host-failure.js";
import {
  type InstalledPackage,
  type InstalledPackages,
  parseInstalledPackages,
} from "../../../src/kcm/parse-installed-packages.js";
import { arbitraryMix, arbitraryOutput } from "../../fixtures/kcm/arbitrary-output.js";
import { KCM_PACKAGE_TABLE } from "../../fixtures/kcm/kcm-package-table.js";
import { fixtureOutput } from "../../fixtures/kcm/load-fixture.js";

function installed(version: string, options: { except?: string; noEpochs?: boolean } = {}) {
  return KCM_PACKAGE_TABLE.filter(([name]) => name !== options.except).map(
    ([name, arch, epoch]): InstalledPackage => ({
      name,
      arch,
      version: { epoch: options.noEpochs ? 0 : epoch, version, release: "1.el8" },
    }),
  );
}

function expectWellFormed(result: InstalledPackages, output: CommandOutput): void {
  expect(["installed", "failed", "unrecognised"]).toContain(result.kind);
  if (result.kind === "unrecognised") expect(result.text).toBe(rawOutputText(output));
  if (result.kind === "failed") expect(result.failure.exitCode).toBe(output.exitCode);
}

describe("parseInstalledPackages", () => {
  it("reads QUERY_INSTALLED on a standalone host, sorted, with the epoch", () => {
    expect(parseInstalledPackages(fixtureOutput("rpm/query-installed-standalone"))).toEqual({
      kind: "installed",
      packages: installed("2.23.1"),
    });
  });

  it("reads the versions after an upgrade", () => {
    expect(
      parseInstalledPackages(fixtureOutput("rpm/query-installed-standalone-upgraded")),
    ).toEqual({ kind: "installed", packages: installed("2.24.1") });
  });

  it("reads a tomcat host, which has no kcm-guacamole-standalone", () => {
    expect(parseInstalledPackages(fixtureOutput("rpm/query-installed-tomcat"))).toEqual({
      kind: "installed",
      packages: installed("2.23.1", { except: "kcm-guacamole-standalone" }),
    });
  });

  it("reads plain rpm -qa, and says its epochs are unknown", () => {
    const output = fixtureOutput("rpm/rpm-qa-standalone");
    // rpm -qa prints kcm-guacamole-auth-ldap (epoch 1) without its epoch.
    expect(output.stdout).toContain("kcm-guacamole-auth-ldap-2.23.1-1.el8.noarch\n");
    expect(parseInstalledPackages(output)).toEqual({
      kind: "installed",
      packages: installed("2.23.1", { noEpochs: true }),
      epochUnknown: true,
    });
  });

  it("takes no output as no packages", () => {
    expect(parseInstalledPackages({ exitCode: 0, stdout: "", stderr: "" })).toEqual({
      kind: "installed",
      packages: [],
    });
  });

  it("does not take an error on stderr with no output as no packages", () => {
    const output = { exitCode: 0, stdout: "", stderr: "error: rpmdb open failed\n" };
    expect(parseInstalledPackages(output)).toEqual({ kind: "unrecognised", text: output.stderr });
  });

  it("does not mix the two formats", () => {
    const tabbed = fixtureOutput("rpm/query-installed-standalone").stdout;
    const plain = fixtureOutput("rpm/rpm-qa-standalone").stdout;
    const output = { exitCode: 0, stdout: tabbed + plain, stderr: "" };
    expect(parseInstalledPackages(output).kind).toBe("unrecognised");
  });

  it("reports a failed or stopped rpm as failed", () => {
    const output = fixtureOutput("rpm/query-installed-standalone");
    expect(parseInstalledPackages({ ...output, exitCode: 1 }).kind).toBe("failed");
    const stopped = parseInstalledPackages({ ...output, exitCode: null, timedOut: true });
    expect(stopped.kind === "failed" && stopped.failure.code).toBe("timeout");
  });
});

const arbitraryPackage: fc.Arbitrary<InstalledPackage> = fc.record({
  name: fc.stringMatching(/^[a-z][a-z0-9+_.-]{0,40}$/),
  arch: fc.constantFrom("x86_64", "noarch", "i686", "aarch64"),
  version: fc.record({
    epoch: fc.nat({ max: 5 }),
    version: fc.stringMatching(/^[0-9][0-9a-z.+~_]{0,9}$/),
    release: fc.stringMatching(/^[0-9][0-9a-z.+~_]{0,9}$/),
  }),
});

const sorted = (packages: InstalledPackage[]) =>
  [...packages].sort((a, b) =>
    a.name === b.name ? (a.arch < b.arch ? -1 : 1) : a.name < b.name ? -1 : 1,
  );

describe("parseInstalledPackages, properties", () => {
  it("never throws, and keeps the raw text of what it cannot read", () => {
    fc.assert(
      fc.property(arbitraryOutput, (output) => {
        expectWellFormed(parseInstalledPackages(output), output);
      }),
    );
  });

  it.each(["rpm/query-installed-standalone", "rpm/rpm-qa-standalone"])(
    "never throws on %s with arbitrary lines mixed in and any exit code",
    (name) => {
      fc.assert(
        fc.property(arbitraryMix(fixtureOutput(name)), (output) => {
          expectWellFormed(parseInstalledPackages(output), output);
        }),
      );
    },
  );

  const unique = { selector: (p: InstalledPackage) => `${p.name}.${p.arch}`, maxLength: 15 };

  it("reads back any packages printed in QUERY_INSTALLED's format", () => {
    fc.assert(
      fc.property(fc.uniqueArray(arbitraryPackage, unique), (packages) => {
        const stdout = packages
          .map((p) => [p.name, p.version.epoch, p.version.version, p.version.release, p.arch])
          .map((fields) => `${fields.join("\t")}\n`)
          .join("");
        expect(parseInstalledPackages({ exitCode: 0, stdout, stderr: "" })).toEqual({
          kind: "installed",
          packages: sorted(packages),
        });
      }),
    );
  });

  it("reads back %{NEVRA} lines, whose epochs are known once one is shown", () => {
    fc.assert(
      fc.property(fc.uniqueArray(arbitraryPackage, { ...unique, minLength: 1 }), (packages) => {
        const nevra = (p: InstalledPackage) =>
          `${p.name}-${p.version.epoch > 0 ? `${p.version.epoch}:` : ""}${p.version.version}-${p.version.release}.${p.arch}\n`;
        const result = parseInstalledPackages({
          exitCode: 0,
          stdout: packages.map(nevra).join(""),
          stderr: "",
        });
        const anyEpoch = packages.some((p) => p.version.epoch > 0);
        expect(result).toEqual({
          kind: "installed",
          packages: sorted(packages),
          ...(anyEpoch ? {} : { epochUnknown: true }),
        });
      }),
    );
  });
});
