import { describe, expect, it } from "vitest";
import { parseHostPrograms } from "../../../src/kcm/find-host-programs.js";
import { DEFAULT_HELPER_PATH, type HostAccess } from "../../../src/kcm/host-commands.js";
import { parseSudoList } from "../../../src/kcm/parse-sudo-list.js";
import { RHEL_PROGRAMS, sudoersLines } from "../../../src/kcm/sudoers-lines.js";
import { judgeSudoRights } from "../../../src/runbook/judge-sudo-rights.js";
import { fixtureOutput } from "../../fixtures/kcm/load-fixture.js";

const BIN = "/var/tmp/kcm-lab-test/hosts/101/bin";
const LAB = parseHostPrograms(fixtureOutput("sudo/find-programs-lab"));
// The sudo/list-* fixtures without "helper" in their name come from lab
// hosts whose account sudo'd yum and systemctl directly.
const DIRECT: HostAccess = { privilege: "direct-sudo", helperPath: DEFAULT_HELPER_PATH };
const judge = (fixture: string, programs = LAB, access = DIRECT) =>
  judgeSudoRights("kcmlab101", parseSudoList(fixtureOutput(fixture)), access, programs);

describe("judgeSudoRights, privilege: direct-sudo", () => {
  it("fails every passwordless rule beyond the bot's, saying what a wildcard admits", () => {
    const finding = judge("sudo/list-lab");
    expect(finding.status).toBe("failed");
    expect(finding.summary).toBe(
      "kcmlab101 may run 14 commands as root without a password beyond the runbook's 10 commands; anyone with the bot's key may run them too",
    );
    expect(finding.details).toContain(`  ${BIN}/systemctl stop guacamole`);
    expect(finding.details).toContain(
      `  ${BIN}/yum upgrade -y kcm-*   (sudo's * also matches spaces: any further arguments, e.g. a package file or --setopt for yum)`,
    );
    expect(finding.details).toContain("  ... and 6 more");
    expect(finding.fix.at(-1)).toMatch(/kcm-chatops sudoers --user kcmlab101 --direct-sudo/);
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
      /^or write the whole file from: kcm-chatops sudoers --user kcmlab101 --direct-sudo \(with this host's paths: yum \//,
    );
    expect(finding.details.join("\n")).toMatch(
      /^warning: privilege: direct-sudo is root-equivalent/m,
    );
  });

  it("fails 'a password is required' with every line to add, and RHEL's whole file", () => {
    const finding = judge("sudo/list-password-required", RHEL_PROGRAMS);
    expect(finding.status).toBe("failed");
    expect(finding.summary).toMatch(/^sudo asks for a password: no rule lets kcmlab101 run/);
    expect(finding.details).toEqual(["sudo: a password is required"]);
    expect(finding.fix).toHaveLength(12);
    expect(finding.fix.at(-1)).toBe(
      "or write the whole file from: kcm-chatops sudoers --user kcmlab101 --direct-sudo",
    );
    // The lines are those `kcm-chatops sudoers --direct-sudo` grants, one command each.
    const alias = sudoersLines("kcmlab101", DIRECT)[1] ?? "";
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

  it("fails wildcard rules wider than the bot's; (ALL) ALL with a password is only a note", () => {
    const finding = judge("sudo/list-wildcards");
    expect(finding.status).toBe("failed");
    expect(finding.details).toContain(
      `  ${BIN}/systemctl stop *   (sudo's * also matches spaces: any further arguments, e.g. a package file or --setopt for yum)`,
    );
    expect(finding.details).toContain(
      "note: with a password, kcmlab101 may run ALL as root (neither the bot nor anyone holding its key can: neither knows one)",
    );
  });
});

describe("judgeSudoRights, privilege: helper", () => {
  const HELPER: HostAccess = {
    privilege: "helper",
    helperPath: "/var/tmp/kcm-lab-test/hosts/101/libexec/kcm-host",
  };
  const judgeHelper = (fixture: string) => judge(fixture, LAB, HELPER);

  it("passes the helper's lines and nothing else", () => {
    expect(judgeHelper("sudo/list-helper-lab")).toEqual({
      check: "sudo",
      status: "ok",
      summary: "the host helper's 12 subcommands run as root without a password, and nothing else",
      details: [],
      fix: [],
    });
  });

  it("passes the helper granted with any arguments: it checks them itself", () => {
    expect(judgeHelper("sudo/list-helper-any-arguments").status).toBe("ok");
  });

  it("fails the direct-sudo rules left behind next to it, saying what they allow", () => {
    const finding = judgeHelper("sudo/list-helper-and-stale-rules");
    expect(finding.status).toBe("failed");
    expect(finding.summary).toBe(
      "kcmlab101 may run 2 commands as root without a password beyond the runbook's 12 commands; anyone with the bot's key may run them too",
    );
    expect(finding.details).toEqual([
      "beyond the runbook's 12 commands, kcmlab101 may run as root without a password:",
      `  ${BIN}/yum --setopt\\=exit_on_lock\\=True upgrade -y kcm-*   (sudo's * also matches spaces: any further arguments, e.g. a package file or --setopt for yum)`,
      "  /usr/bin/id -un",
    ]);
    expect(finding.fix.at(-1)).toBe(
      `and grant only the bot's commands: kcm-chatops sudoers --user kcmlab101 --helper ${HELPER.helperPath}`,
    );
  });

  it("fails the old direct-sudo rules alone: nothing grants the helper", () => {
    const finding = judgeHelper("sudo/list-reduced");
    expect(finding.status).toBe("failed");
    expect(finding.details).toContain(`missing: ${HELPER.helperPath} version`);
  });
});
