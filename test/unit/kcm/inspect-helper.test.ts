import { describe, expect, it } from "vitest";
import { inspectHelperCommand, parseHelperState } from "../../../src/kcm/inspect-helper.js";
import { fixtureOutput } from "../../fixtures/kcm/load-fixture.js";

const HOST = "/var/tmp/kcm-lab-test/hosts/101";
const HELPER = `${HOST}/libexec/kcm-host`;
const CONF = {
  ownerUid: 0,
  lines: [`YUM=${HOST}/bin/yum`, `SYSTEMCTL=${HOST}/bin/systemctl`],
};

describe("parseHelperState (captured on a lab host as the bot's account)", () => {
  it("reads a helper installed as the lab installs it", () => {
    expect(parseHelperState(fixtureOutput("sudo/helper-state-lab"))).toEqual({
      kind: "present",
      ownerUid: 0,
      folderOwnerUid: 0,
      writable: [],
      executable: true,
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      conf: CONF,
    });
  });

  it("reads a changed helper's other hash", () => {
    const lab = parseHelperState(fixtureOutput("sudo/helper-state-lab"));
    const changed = parseHelperState(fixtureOutput("sudo/helper-state-changed"));
    expect(changed.kind === "present" && lab.kind === "present").toBe(true);
    if (changed.kind === "present" && lab.kind === "present") {
      expect(changed.sha256).not.toBe(lab.sha256);
    }
  });

  it("names what the account may write and who owns the helper", () => {
    expect(parseHelperState(fixtureOutput("sudo/helper-state-unsafe"))).toMatchObject({
      kind: "present",
      ownerUid: expect.any(Number),
      folderOwnerUid: 0,
      writable: [HELPER, `${HOST}/libexec`],
    });
    const state = parseHelperState(fixtureOutput("sudo/helper-state-unsafe"));
    expect(state.kind === "present" && state.ownerUid).not.toBe(0);
  });

  it("reads a missing helper, and calls anything else unrecognised", () => {
    expect(parseHelperState(fixtureOutput("sudo/helper-state-missing"))).toEqual({
      kind: "missing",
    });
    expect(
      parseHelperState({ exitCode: 127, stdout: "", stderr: "sh: stat: not found\n" }).kind,
    ).toBe("unrecognised");
  });
});

describe("inspectHelperCommand", () => {
  it("takes a plain absolute path only: it reaches a shell", () => {
    expect(inspectHelperCommand(HELPER)).toContain(`h='${HELPER}'`);
    for (const bad of ["kcm-host", "/opt/kcm host", "/opt/x';id;'", "/opt/$(id)"]) {
      expect(() => inspectHelperCommand(bad)).toThrow(/not a plain absolute path/);
    }
  });
});
