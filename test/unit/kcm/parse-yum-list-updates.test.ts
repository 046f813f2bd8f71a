import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { CommandOutput } from "../../../src/kcm/command-output.js";
import { rawOutputText } from "../../../src/kcm/host-failure.js";
import {
  type PendingUpdate,
  parseYumCheckUpdate,
  parseYumListUpdates,
  type YumListUpdates,
} from "../../../src/kcm/parse-yum-list-updates.js";
import {
  arbitraryMix,
  arbitraryOutput,
  arbitraryText,
} from "../../fixtures/kcm/arbitrary-output.js";
import { KCM_PACKAGE_TABLE } from "../../fixtures/kcm/kcm-package-table.js";
import { fixtureOutput } from "../../fixtures/kcm/load-fixture.js";

const updatesTo = (release: string, repo: string): PendingUpdate[] =>
  KCM_PACKAGE_TABLE.map(([name, arch, epoch]) => ({
    name,
    arch,
    version: { epoch, version: "2.24.1", release },
    repo,
  }));

const DNF_PENDING: YumListUpdates = {
  kind: "pending",
  dialect: "dnf",
  packages: updatesTo("1.el8", "kcm-2.24.1"),
};

const KINDS = ["pending", "none", "failed", "unrecognised"];

/** What every result must be, whatever the input. */
function expectWellFormed(result: YumListUpdates, output: CommandOutput): void {
  expect(KINDS).toContain(result.kind);
  if (result.kind === "unrecognised") expect(result.text).toBe(rawOutputText(output));
  if (result.kind === "failed") expect(result.failure.exitCode).toBe(output.exitCode);
  if (result.kind === "pending") expect(result.packages.length).toBeGreaterThan(0);
}

describe("parseYumListUpdates on dnf 4", () => {
  it.each([
    "dnf/list-updates-pending",
    "dnf/list-updates-pending-fresh-metadata",
    "dnf/list-updates-pending-tty-80-cols",
  ])("reads every pending package, epoch and repo from %s", (name) => {
    expect(parseYumListUpdates(fixtureOutput(name))).toEqual(DNF_PENDING);
  });

  it("reads the long name dnf wraps on a narrow coloured terminal", () => {
    const output = fixtureOutput("dnf/list-updates-pending-tty-70-cols");
    expect(output.stdout).toContain("\x1b[32m");
    // The name alone on its line, then the rest indented on the next.
    expect(output.stdout).toMatch(
      // biome-ignore lint/suspicious/noControlCharactersInRegex: dnf's colour escapes are the point.
      /openid-connect\.noarch\x1b\(B\x1b\[m\r\n {20,}2\.24\.1/,
    );
    expect(parseYumListUpdates(output)).toEqual(DNF_PENDING);
  });

  it("takes exit 1 with 'No matching Packages to list' as nothing pending", () => {
    expect(parseYumListUpdates(fixtureOutput("dnf/list-updates-none"))).toEqual({ kind: "none" });
  });

  it("does not take 'No matching Packages' for 'none' when a repository failed", () => {
    const none = fixtureOutput("dnf/list-updates-none");
    const broken = fixtureOutput("dnf/list-updates-repo-unreachable");
    // dnf with skip_if_unavailable=True reports the broken repository and carries on.
    const output = { ...none, stderr: broken.stderr + none.stderr };
    const result = parseYumListUpdates(output);
    expect(result.kind === "failed" && result.failure.code).toBe("repo-unreachable");
  });

  it("ignores the lines RHEL prints before the header", () => {
    const noise = [
      "Updating Subscription Management repositories.",
      "Unable to read consumer identity",
      "",
      "This system is not registered with an entitlement server. You can use subscription-manager to register.",
      "",
      "Keeper Connection Manager 2.24.1                1.2 MB/s | 2.1 kB     00:00    ",
      "Last metadata expiration check: 0:01:02 ago on Thu Nov 26 10:00:00 2026.",
    ].join("\n");
    const output = fixtureOutput("dnf/list-updates-pending");
    expect(parseYumListUpdates({ ...output, stdout: `${noise}\n${output.stdout}` })).toEqual(
      DNF_PENDING,
    );
  });

  it("keeps the text of a list cut short", () => {
    const output = fixtureOutput("dnf/list-updates-pending");
    const cut = { ...output, stdout: output.stdout.slice(0, output.stdout.indexOf("1:2.24.1")) };
    expect(parseYumListUpdates(cut)).toEqual({ kind: "unrecognised", text: cut.stdout });
  });
});

describe("parseYumListUpdates on yum 3", () => {
  it.each([
    ["yum3/list-updates-pending", "kcm"],
    ["yum3/list-updates-pending-tty", "kcm"],
    ["yum3/list-updates-pending-wrapped", "keeper-connection-manager"],
  ])("reads %s under 'Updated Packages'", (name, repo) => {
    expect(parseYumListUpdates(fixtureOutput(name))).toEqual({
      kind: "pending",
      dialect: "yum3",
      packages: updatesTo("1.el7", repo),
    });
  });

  it("takes yum 3's 'No matching Packages to list' as nothing pending", () => {
    expect(parseYumListUpdates(fixtureOutput("yum3/list-updates-none"))).toEqual({ kind: "none" });
  });
});

describe("parseYumCheckUpdate", () => {
  it("reads dnf's list after the blank line, exit 100", () => {
    expect(parseYumCheckUpdate(fixtureOutput("dnf/check-update-pending"))).toEqual(DNF_PENDING);
  });

  it("reads yum 3's list and knows it by its 'Loaded plugins' line", () => {
    expect(parseYumCheckUpdate(fixtureOutput("yum3/check-update-pending"))).toEqual({
      kind: "pending",
      dialect: "yum3",
      packages: updatesTo("1.el7", "kcm"),
    });
  });

  it("stops at 'Obsoleting Packages'", () => {
    const result = parseYumCheckUpdate(fixtureOutput("yum3/check-update-pending-obsoleting"));
    expect(result.kind === "pending" && result.packages.map((p) => p.name)).toEqual([
      "kcm-guacamole",
      "kcm-guacd",
    ]);
  });

  it.each(["dnf/check-update-none", "yum3/check-update-none"])(
    "takes %s, exit 0, as none",
    (name) => {
      expect(parseYumCheckUpdate(fixtureOutput(name))).toEqual({ kind: "none" });
    },
  );

  it("does not read the list of an exit other than 100", () => {
    const output = { ...fixtureOutput("dnf/check-update-pending"), exitCode: 1 };
    expect(parseYumCheckUpdate(output).kind).toBe("failed");
  });
});

describe("parseYumListUpdates and parseYumCheckUpdate: failures", () => {
  it.each([
    ["dnf/list-updates-yum-lock", "yum-lock"],
    ["dnf/list-updates-yum-lock-waiting", "yum-lock"],
    ["dnf/list-updates-yum-lock-timed-out", "yum-lock"],
    ["dnf/list-updates-repo-unreachable", "repo-unreachable"],
    ["dnf/list-updates-sudo-password", "sudo-password"],
    ["yum3/list-updates-yum-lock", "yum-lock"],
    ["yum3/list-updates-yum-lock-waiting", "yum-lock"],
    ["yum3/list-updates-repo-unreachable", "repo-unreachable"],
    ["yum3/list-updates-repo-unreachable-older-yum", "repo-unreachable"],
    ["dnf/check-update-yum-lock", "yum-lock"],
    ["dnf/check-update-repo-unreachable", "repo-unreachable"],
    ["dnf/check-update-sudo-not-allowed", "sudo-not-allowed"],
  ])("reports %s as a %s failure", (name, code) => {
    // Each fixture goes to the parser of the command it captured.
    const parse = name.includes("/check-update-") ? parseYumCheckUpdate : parseYumListUpdates;
    const result = parse(fixtureOutput(name));
    expect(result.kind === "failed" && result.failure.code).toBe(code);
  });
});

interface Row {
  name: string;
  arch: string;
  epoch: number;
  version: string;
  release: string;
  repo: string;
  wrapped: boolean;
}

const arbitraryRow: fc.Arbitrary<Row> = fc.record({
  name: fc.stringMatching(/^[a-z][a-z0-9+_.-]{0,50}$/),
  arch: fc.constantFrom("x86_64", "noarch", "i686", "aarch64", "ppc64le"),
  epoch: fc.nat({ max: 3 }),
  version: fc.stringMatching(/^[0-9][0-9a-z.+~_]{0,9}$/),
  release: fc.stringMatching(/^[0-9][0-9a-z.+~_]{0,9}$/),
  repo: fc.stringMatching(/^[a-z][a-z0-9._-]{0,30}$/),
  wrapped: fc.boolean(),
});

/** Prints rows as dnf and yum 3 do: columns, long names alone on their line, maybe coloured. */
function printRows(rows: readonly Row[], colour: boolean): string {
  const width = Math.max(...rows.map((r) => r.name.length + r.arch.length + 2));
  return rows
    .map((r) => {
      const nameArch = `${r.name}.${r.arch}`;
      const shown = colour ? `\x1b[32m${nameArch}\x1b(B\x1b[m` : nameArch;
      const evr = `${r.epoch > 0 ? `${r.epoch}:` : ""}${r.version}-${r.release}`;
      const rest = `${evr.padEnd(16)} ${r.repo}`;
      return r.wrapped
        ? `${shown}\n${" ".repeat(width)}${rest}`
        : `${shown}${" ".repeat(width - nameArch.length)}${rest}`;
    })
    .join("\n");
}

describe("parseYumListUpdates, properties", () => {
  it("never throws, and keeps the raw text of what it cannot read", () => {
    fc.assert(
      fc.property(arbitraryOutput, (output) => {
        expectWellFormed(parseYumListUpdates(output), output);
        expectWellFormed(parseYumCheckUpdate(output), output);
      }),
    );
  });

  it.each([
    "dnf/list-updates-pending",
    "dnf/list-updates-pending-tty-70-cols",
    "dnf/check-update-pending",
    "dnf/list-updates-yum-lock",
    "yum3/list-updates-pending-wrapped",
    "yum3/check-update-pending-obsoleting",
  ])("never throws on %s with arbitrary lines mixed in and any exit code", (name) => {
    fc.assert(
      fc.property(arbitraryMix(fixtureOutput(name)), (output) => {
        expectWellFormed(parseYumListUpdates(output), output);
        expectWellFormed(parseYumCheckUpdate(output), output);
      }),
    );
  });

  it("reads back any rows printed in either dialect, wrapped, coloured, with \\r\\n", () => {
    fc.assert(
      fc.property(
        fc.array(arbitraryRow, { minLength: 1, maxLength: 12 }),
        fc.constantFrom("Available Upgrades", "Updated Packages"),
        fc.boolean(),
        fc.boolean(),
        (rows, header, colour, crlf) => {
          const text = `Last metadata expiration check: 0:00:01 ago.\n${header}\n${printRows(rows, colour)}\n`;
          const stdout = crlf ? text.replaceAll("\n", "\r\n") : text;
          const result = parseYumListUpdates({ exitCode: 0, stdout, stderr: "" });
          expect(result).toEqual({
            kind: "pending",
            dialect: header === "Available Upgrades" ? "dnf" : "yum3",
            packages: rows.map((r) => ({
              name: r.name,
              arch: r.arch,
              version: { epoch: r.epoch, version: r.version, release: r.release },
              repo: r.repo,
            })),
          });
        },
      ),
    );
  });

  it("ignores any lines before the header", () => {
    const output = fixtureOutput("dnf/list-updates-pending");
    const noise = fc.array(
      arbitraryText.filter((t) => !/Available Upgrades|Updated Packages/.test(t)),
      { maxLength: 5 },
    );
    fc.assert(
      fc.property(noise, (lines) => {
        const stdout = [...lines, output.stdout].join("\n");
        expect(parseYumListUpdates({ ...output, stdout })).toEqual(DNF_PENDING);
      }),
    );
  });

  it("reads a list only from a command that succeeded", () => {
    const output = fixtureOutput("dnf/list-updates-pending");
    fc.assert(
      fc.property(
        fc.integer({ min: -5, max: 255 }).filter((n) => n !== 0),
        (exitCode) => {
          expect(parseYumListUpdates({ ...output, exitCode }).kind).not.toBe("pending");
        },
      ),
    );
  });
});
