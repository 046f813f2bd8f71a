import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseSudoList } from "../../../src/kcm/parse-sudo-list.js";
import { arbitraryOutput } from "../../fixtures/kcm/arbitrary-output.js";
import { fixtureOutput } from "../../fixtures/kcm/load-fixture.js";

const BIN = "/var/tmp/kcm-lab-test/hosts/101/bin";

describe("parseSudoList (sudo -n -ll)", () => {
  it("reads a lab host's two passwordless entries, commands as sudoers writes them", () => {
    const listing = parseSudoList(fixtureOutput("sudo/list-lab"));
    expect(listing.kind).toBe("rules");
    if (listing.kind !== "rules") return;
    expect(listing.defaults).toContain("!requiretty");
    expect(listing.defaults).toContain(
      "secure_path=/usr/local/sbin\\:/usr/local/bin\\:/usr/sbin\\:/usr/bin\\:/sbin\\:/bin",
    );
    expect(listing.rules.map((r) => [r.runAsUsers, r.authenticate, r.commands.length])).toEqual([
      [["root"], false, 10],
      [["root"], false, 20],
    ]);
    expect(listing.rules[0]?.commands[0]).toBe("/usr/bin/true");
    expect(listing.rules[0]?.commands[1]).toBe(
      `${BIN}/yum --setopt\\=exit_on_lock\\=True list updates kcm-*`,
    );
  });

  it("tells entries that need a password, run as others, or allow ALL", () => {
    const reduced = parseSudoList(fixtureOutput("sudo/list-reduced"));
    expect(reduced.kind === "rules" && reduced.rules.map((r) => r.authenticate)).toEqual([
      false,
      true,
      false,
    ]);
    const wild = parseSudoList(fixtureOutput("sudo/list-wildcards"));
    expect(wild.kind === "rules" && wild.rules.map((r) => [r.runAsUsers, r.authenticate])).toEqual([
      [["root"], false],
      // `(ALL) ALL`: no Options line, so the Defaults' (authenticate) apply.
      [["ALL"], true],
      [["postgres"], false],
    ]);
    const all = parseSudoList(fixtureOutput("sudo/list-nopasswd-all"));
    expect(all.kind === "rules" && all.rules).toEqual([
      { runAsUsers: ["ALL"], authenticate: false, commands: ["ALL"] },
    ]);
  });

  it("reports sudo's refusal to list without a password as a sudo-password failure", () => {
    const listing = parseSudoList(fixtureOutput("sudo/list-password-required"));
    expect(listing).toMatchObject({
      kind: "failed",
      failure: { code: "sudo-password", evidence: ["sudo: a password is required"] },
    });
  });

  it("reads 'may not run sudo' as no rules, and the short format as unrecognised", () => {
    expect(
      parseSudoList({
        exitCode: 1,
        stdout: "Sorry, user kcm-bot may not run sudo on kcm-1.\n",
        stderr: "",
      }),
    ).toEqual({ kind: "none", evidence: ["Sorry, user kcm-bot may not run sudo on kcm-1."] });
    const short = fixtureOutput("sudo/list-lab");
    const text =
      "User kcm-bot may run the following commands on kcm-1:\n    (root) NOPASSWD: ALL\n";
    expect(parseSudoList({ ...short, stdout: text }).kind).toBe("unrecognised");
  });

  it("never throws, whatever a host prints", () => {
    fc.assert(
      fc.property(arbitraryOutput, (output) => {
        expect(["rules", "none", "failed", "unrecognised"]).toContain(parseSudoList(output).kind);
      }),
    );
  });
});
