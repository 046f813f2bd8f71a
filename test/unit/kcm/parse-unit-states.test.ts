import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { CommandOutput } from "../../../src/kcm/command-output.js";
import { rawOutputText } from "../../../src/kcm/host-failure.js";
import { parseUnitStates, type UnitStates } from "../../../src/kcm/parse-unit-states.js";
import { arbitraryMix, arbitraryOutput } from "../../fixtures/kcm/arbitrary-output.js";
import { fixtureNames, fixtureOutput } from "../../fixtures/kcm/load-fixture.js";

const unit = (name: string, loadState: string, activeState: string) => ({
  unit: name,
  loadState,
  activeState,
});
const notFound = (name: string) => unit(name, "not-found", "inactive");

function expectWellFormed(result: UnitStates, output: CommandOutput): void {
  expect(["units", "failed", "unrecognised"]).toContain(result.kind);
  if (result.kind === "unrecognised") expect(result.text).toBe(rawOutputText(output));
  if (result.kind === "units") expect(result.units.length).toBeGreaterThan(0);
}

describe("parseUnitStates", () => {
  it.each([
    [
      "systemctl/show-units-standalone-active",
      [
        unit("guacamole", "loaded", "active"),
        notFound("tomcat"),
        unit("guacd", "loaded", "active"),
      ],
    ],
    [
      "systemctl/show-units-standalone-stopped",
      [
        unit("guacamole", "loaded", "inactive"),
        notFound("tomcat"),
        unit("guacd", "loaded", "inactive"),
      ],
    ],
    [
      "systemctl/show-units-standalone-guacamole-failed",
      [
        unit("guacamole", "loaded", "failed"),
        notFound("tomcat"),
        unit("guacd", "loaded", "active"),
      ],
    ],
    [
      "systemctl/show-units-tomcat-active",
      [
        notFound("guacamole"),
        unit("tomcat", "loaded", "active"),
        unit("guacd", "loaded", "active"),
      ],
    ],
  ])("reads %s", (name, units) => {
    expect(parseUnitStates(fixtureOutput(name))).toEqual({ kind: "units", units });
  });

  it("reports a host whose systemctl cannot reach systemd as failed, in its words", () => {
    const result = parseUnitStates(fixtureOutput("systemctl/show-units-not-booted-with-systemd"));
    expect(result.kind).toBe("failed");
    expect(result.kind === "failed" && result.failure.evidence).toEqual([
      "System has not been booted with systemd as init system (PID 1). Can't operate.",
      "Failed to connect to bus: Host is down",
    ]);
  });

  it("needs Id, LoadState and ActiveState in every block", () => {
    const output = { exitCode: 0, stdout: "Id=guacd.service\nLoadState=loaded\n", stderr: "" };
    expect(parseUnitStates(output)).toEqual({ kind: "unrecognised", text: output.stdout });
  });

  it("does not read a line that is not Key=Value", () => {
    const { stdout } = fixtureOutput("systemctl/show-units-standalone-active");
    const output = {
      exitCode: 0,
      stdout: `${stdout}Unit guacd.service could not be found.\n`,
      stderr: "",
    };
    expect(parseUnitStates(output).kind).toBe("unrecognised");
  });

  it("takes no output as unrecognised: it was asked about units", () => {
    expect(parseUnitStates({ exitCode: 0, stdout: "\n", stderr: "" }).kind).toBe("unrecognised");
  });
});

/** A SHOW_UNITS block with its properties in any order, and other properties among them. */
function shuffledBlock(block: string): fc.Arbitrary<string> {
  const extras = ["SubState=running", "MainPID=4242", "UnitFileState=enabled", "Names=x.service"];
  return fc.subarray(extras).chain((others) => {
    const lines = [...block.split("\n").filter(Boolean), ...others];
    return fc
      .shuffledSubarray(lines, { minLength: lines.length })
      .map((shuffled) => shuffled.join("\n"));
  });
}

describe("parseUnitStates, properties", () => {
  it("never throws, and keeps the raw text of what it cannot read", () => {
    fc.assert(
      fc.property(arbitraryOutput, (output) => {
        expectWellFormed(parseUnitStates(output), output);
      }),
    );
  });

  it.each(fixtureNames("systemctl").filter((n) => n.includes("show-units")))(
    "never throws on %s with arbitrary lines mixed in and any exit code",
    (name) => {
      fc.assert(
        fc.property(arbitraryMix(fixtureOutput(name)), (output) => {
          expectWellFormed(parseUnitStates(output), output);
        }),
      );
    },
  );

  it("reads the properties in any order, as systemd prints them in its D-Bus order", () => {
    for (const name of fixtureNames("systemctl").filter((n) => n.includes("show-units-"))) {
      const output = fixtureOutput(name);
      if (output.exitCode !== 0) continue;
      const expected = parseUnitStates(output);
      const blocks = output.stdout.trim().split("\n\n");
      fc.assert(
        fc.property(fc.tuple(...blocks.map(shuffledBlock)), (shuffled) => {
          const stdout = `${shuffled.join("\n\n")}\n`;
          expect(parseUnitStates({ ...output, stdout })).toEqual(expected);
        }),
        { numRuns: 50 },
      );
    }
  });

  it("reads a block only from a command that succeeded", () => {
    const output = fixtureOutput("systemctl/show-units-standalone-active");
    fc.assert(
      fc.property(
        fc.oneof(
          fc.integer({ min: -5, max: 255 }).filter((n) => n !== 0),
          fc.constant(null),
        ),
        (exitCode) => {
          expect(parseUnitStates({ ...output, exitCode }).kind).toBe("failed");
        },
      ),
    );
  });
});
