import { describe, expect, it } from "vitest";
import { compareSudoRights, sudoArgsPattern } from "../../../src/kcm/compare-sudo-rights.js";
import { parseHostPrograms } from "../../../src/kcm/find-host-programs.js";
import { DEFAULT_HELPER_PATH, type HostAccess } from "../../../src/kcm/host-commands.js";
import { parseSudoList, type SudoRule } from "../../../src/kcm/parse-sudo-list.js";
import { RHEL_PROGRAMS } from "../../../src/kcm/sudoers-lines.js";
import { fixtureOutput } from "../../fixtures/kcm/load-fixture.js";

const BIN = "/var/tmp/kcm-lab-test/hosts/101/bin";
const LAB = parseHostPrograms(fixtureOutput("sudo/find-programs-lab"));
// These fixtures were captured from lab hosts whose account sudo'd yum and systemctl directly.
const DIRECT: HostAccess = { privilege: "direct-sudo", helperPath: DEFAULT_HELPER_PATH };

function rulesOf(fixture: string): SudoRule[] {
  const listing = parseSudoList(fixtureOutput(fixture));
  if (listing.kind !== "rules") throw new Error(`${fixture}: ${listing.kind}`);
  return listing.rules;
}

describe("parseHostPrograms", () => {
  it("reads where the account finds yum, systemctl and true, RHEL's where it finds none", () => {
    expect(LAB).toEqual({
      yum: `${BIN}/yum`,
      systemctl: `${BIN}/systemctl`,
      true: "/usr/bin/true",
    });
    expect(
      parseHostPrograms({ exitCode: 0, stdout: "yum \nsystemctl \ntrue \n", stderr: "" }),
    ).toEqual(RHEL_PROGRAMS);
  });
});

describe("compareSudoRights", () => {
  it("finds every runbook command on a lab host; the manual procedure's lines are extra", () => {
    const rights = compareSudoRights(rulesOf("sudo/list-lab"), DIRECT, LAB);
    expect(rights.needed).toHaveLength(10);
    expect(rights.missing).toEqual([]);
    expect(rights.broad).toEqual([]);
    expect(rights.extra).toHaveLength(14);
    expect(rights.extra).toContain(`${BIN}/systemctl restart guacamole guacd`);
    expect(rights.extra).toContain(`${BIN}/yum --setopt\\=exit_on_lock\\=True history info [0-9]*`);
    // The bot's own upgrade line, granted twice, is not extra.
    expect(rights.extra).not.toContain(
      `${BIN}/yum --setopt\\=exit_on_lock\\=True upgrade -y kcm-*`,
    );
  });

  it("compares by program name: RHEL's /usr/bin/yum and the lab's yum are the same command", () => {
    expect(compareSudoRights(rulesOf("sudo/list-lab"), DIRECT, RHEL_PROGRAMS).missing).toEqual([]);
  });

  it("names the missing commands, and those allowed only with a password", () => {
    const rights = compareSudoRights(rulesOf("sudo/list-reduced"), DIRECT, LAB);
    const yum = `${BIN}/yum --setopt=exit_on_lock=True`;
    expect(rights.missing).toEqual([
      `${yum} history info`,
      `${yum} history undo -y [0-9]*`,
      `${BIN}/systemctl stop tomcat guacd`,
      `${BIN}/systemctl start tomcat guacd`,
    ]);
    expect(rights.needPassword).toEqual([`${yum} history info`]);
    expect(rights.extra).toEqual([]);
  });

  it("calls NOPASSWD: ALL broad; a password-guarded ALL and other run-as users are not the bot's", () => {
    const all = compareSudoRights(rulesOf("sudo/list-nopasswd-all"), DIRECT, LAB);
    expect(all).toMatchObject({ missing: [], broad: ["ALL"], extra: [] });
    const wild = compareSudoRights(rulesOf("sudo/list-wildcards"), DIRECT, LAB);
    expect(wild.missing).toEqual([]);
    expect(wild.broad).toEqual([]);
    expect(wild.broadWithPassword).toEqual(["ALL"]);
    // Wider than the runbook needs: extra, with the patterns that admit its commands.
    expect(wild.extra).toEqual([
      `${BIN}/yum --setopt\\=exit_on_lock\\=True *`,
      `${BIN}/systemctl stop *`,
      `${BIN}/systemctl start *`,
    ]);
  });

  it("calls a program with any arguments, or a directory, broad", () => {
    const rule = (...commands: string[]): SudoRule[] => [
      { runAsUsers: ["root"], authenticate: false, commands },
    ];
    expect(
      compareSudoRights(rule("/usr/bin/yum", "/usr/sbin/"), DIRECT, RHEL_PROGRAMS).broad,
    ).toEqual(["/usr/bin/yum", "/usr/sbin/"]);
    // ...except the runbook's own `true`, which takes no arguments that matter.
    expect(compareSudoRights(rule("/usr/bin/true"), DIRECT, RHEL_PROGRAMS).broad).toEqual([]);
    // A negated command admits nothing.
    expect(compareSudoRights(rule("!/usr/bin/true"), DIRECT, RHEL_PROGRAMS).missing).toContain(
      "/usr/bin/true",
    );
  });
});

describe("sudoArgsPattern (fnmatch without flags, as sudo matches arguments)", () => {
  it.each([
    [
      "--setopt\\=exit_on_lock\\=True list updates kcm-*",
      "--setopt=exit_on_lock=True list updates kcm-*",
      true,
    ],
    [
      "upgrade -y kcm-*",
      "upgrade -y kcm-guacd-2.24.1-1.el8.x86_64 kcm-libguac-2.24.1-1.el8.x86_64",
      true,
    ],
    ["upgrade -y kcm-*", "upgrade -y kcm-guacd /etc/shadow", true],
    ["history undo -y [0-9]*", "history undo -y 17", true],
    ["history undo -y [0-9]*", "history undo -y x", false],
    ["history undo -y [!0-9]*", "history undo -y x", true],
    ["stop guacamole guacd", "stop guacamole  guacd", false],
    ["a?c", "a c", true],
    ["a\\*c", "abc", false],
    ["a.c", "abc", false],
  ])("%s admits %s: %s", (pattern, args, expected) => {
    expect(sudoArgsPattern(pattern).test(args)).toBe(expected);
  });
});
