import { describe, expect, it } from "vitest";
import { parseHelperState } from "../../../src/kcm/inspect-helper.js";
import { judgeHostHelper } from "../../../src/runbook/judge-host-helper.js";
import { fixtureOutput } from "../../fixtures/kcm/load-fixture.js";

const HELPER = "/var/tmp/kcm-lab-test/hosts/101/libexec/kcm-host";
const state = (name: string) => parseHelperState(fixtureOutput(`sudo/${name}`));
// The helper the lab installed when the fixtures were captured: "this bot's" for these tests.
const lab = state("helper-state-lab");
const expected = { helperSha256: lab.kind === "present" ? lab.sha256 : "" };
const judge = (name: string) => judgeHostHelper("kcmlab101", HELPER, state(name), expected);

describe("judgeHostHelper", () => {
  it("passes the lab's helper, showing what its kcm-host.conf says", () => {
    const finding = judge("helper-state-lab");
    expect(finding.status).toBe("ok");
    expect(finding.summary).toBe(
      `${HELPER}: root's, out of kcmlab101's reach, the same as this bot's (sha256 ${expected.helperSha256.slice(0, 16)}…)`,
    );
    expect(finding.details[0]).toMatch(/^kcm-host\.conf beside it says: YUM=\/.*\/yum; SYSTEMCTL=/);
  });

  it("fails a missing helper, with how to install it", () => {
    const finding = judge("helper-state-missing");
    expect(finding.status).toBe("failed");
    expect(finding.summary).toBe(`the host helper is not installed at ${HELPER}`);
    expect(finding.fix.join("\n")).toContain("kcm-chatops host-helper");
  });

  it("fails a helper that differs from this bot's", () => {
    const finding = judge("helper-state-changed");
    expect(finding.status).toBe("failed");
    expect(finding.summary).toMatch(/is not this bot's: sha256 [0-9a-f]{16}…, this bot's is /);
  });

  it("fails a helper the account could change, naming every way", () => {
    const finding = judge("helper-state-unsafe");
    expect(finding.status).toBe("failed");
    expect(finding.summary).toMatch(
      new RegExp(
        `^the host helper at ${HELPER} is not safe: ${HELPER} is owned by uid \\d+, not root$`,
      ),
    );
    expect(finding.details).toEqual(
      expect.arrayContaining([
        `kcmlab101 may write ${HELPER}: it could make the helper run anything as root`,
        `kcmlab101 may write ${HELPER.replace("/kcm-host", "")} (no sticky bit): it could swap the helper for its own`,
      ]),
    );
  });

  it("fails output it cannot read, and shows it", () => {
    const finding = judgeHostHelper(
      "kcmlab101",
      HELPER,
      parseHelperState({ exitCode: 127, stdout: "", stderr: "sh: stat: not found\n" }),
      expected,
    );
    expect(finding).toMatchObject({ status: "failed", details: ["sh: stat: not found", ""] });
  });
});
