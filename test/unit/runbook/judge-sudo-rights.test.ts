import { describe, expect, it } from "vitest";
import { RHEL_PROGRAMS, sudoersLines } from "../../../src/kcm/commands.js";
import { parseHostPrograms } from "../../../src/kcm/find-host-programs.js";
import { parseSudoList } from "../../../src/kcm/parse-sudo-list.js";
import { judgeSudoRights } from "../../../src/runbook/judge-sudo-rights.js";
import { fixtureOutput } from "../../fixtures/kcm/load-fixture.js";

const BIN = "/var/tmp/kcm-lab-test/hosts/101/bin";
const LAB = parseHostPrograms(fixtureOutput("sudo/find-programs-lab"));
const judge = (fixture: string, programs = LAB) =>
  judgeSudoRights("kcmlab101", parseSudoList(fixtureOutput(fixture)), programs);

describe("judgeSudoRights", () => {
  it("passes a lab host, noting the manual procedure's extra commands", () => {
    const finding = judge("sudo/list-lab");
    expect(finding.status).toBe("ok");
    expect(finding.summary).toBe("the runbook's 10 commands run as root without a password");
    expect(finding.details[0]).toBe(
      "note: kcmlab101 may also run 14 other commands as root without a password, not the runbook's:",
    );
    expect(finding.details).toContain("  ... and 9 more");
  });

  it("fails a missing command with the exact sudoers line that grants it, with the host's paths", () => {
    const finding = judge("sudo/list-reduced");
    expect(finding.status).toBe("failed");
    expect(finding.summary).toBe(
      "4 of the runbook's 10 commands may not run as root without a password",
    );
    expect(finding.details).toContain(
      `missing: ${BIN}/yum --setopt=exit_on_lock=True history info (allowed, but only with a password)`,
    );
    expect(finding.fix).toContain(
      `  kcmlab101 ALL=(root) NOPASSWD: ${BIN}/yum --setopt\\=exit_on_lock\\=True history undo -y [0-9]*`,
    );
    expect(finding.fix).toContain(
      `  kcmlab101 ALL=(root) NOPASSWD: ${BIN}/systemctl start tomcat guacd`,
    );
    expect(finding.fix.at(-1)).toMatch(
      /^or write the whole file from: kcm-chatops sudoers --user kcmlab101 \(with this host's paths: yum \//,
    );
  });

  it("fails 'a password is required' with every line to add, and RHEL's whole file", () => {
    const finding = judge("sudo/list-password-required", RHEL_PROGRAMS);
    expect(finding.status).toBe("failed");
    expect(finding.summary).toMatch(/^sudo asks for a password: no rule lets kcmlab101 run/);
    expect(finding.details).toEqual(["sudo: a password is required"]);
    expect(finding.fix).toHaveLength(12);
    expect(finding.fix.at(-1)).toBe(
      "or write the whole file from: kcm-chatops sudoers --user kcmlab101",
    );
    // The lines are those `kcm-chatops sudoers` grants, one command each.
    const alias = sudoersLines("kcmlab101")[1] ?? "";
    for (const line of finding.fix.slice(1, -1)) {
      const command = line.replace("  kcmlab101 ALL=(root) NOPASSWD: ", "");
      expect(alias).toContain(command);
    }
  });

  it("fails NOPASSWD: ALL: the bot's key would be a root key", () => {
    const finding = judge("sudo/list-nopasswd-all");
    expect(finding.status).toBe("failed");
    expect(finding.summary).toMatch(
      /^kcmlab101 may run ALL as root without a password: far more than/,
    );
    expect(finding.fix.join("\n")).toContain("kcm-chatops sudoers --user kcmlab101");
  });

  it("passes (ALL) ALL with a password, with a note: the bot cannot use it", () => {
    const finding = judge("sudo/list-wildcards");
    expect(finding.status).toBe("ok");
    expect(finding.details).toContain(
      "note: with a password, kcmlab101 may run ALL as root (the bot never does: it cannot type one)",
    );
  });
});
