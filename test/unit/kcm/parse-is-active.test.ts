import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { rawOutputText } from "../../../src/kcm/host-failure.js";
import { parseIsActive, UNIT_ACTIVE_STATES } from "../../../src/kcm/parse-is-active.js";
import { arbitraryMix, arbitraryOutput } from "../../fixtures/kcm/arbitrary-output.js";
import { fixtureNames, fixtureOutput } from "../../fixtures/kcm/load-fixture.js";

const STANDALONE = ["guacamole", "guacd"];

describe("parseIsActive", () => {
  it.each([
    ["systemctl/is-active-standalone-active", STANDALONE, ["active", "active"]],
    ["systemctl/is-active-standalone-stopped", STANDALONE, ["inactive", "inactive"]],
    ["systemctl/is-active-standalone-guacamole-failed", STANDALONE, ["failed", "active"]],
    ["systemctl/is-active-tomcat-active", ["tomcat", "guacd"], ["active", "active"]],
    ["systemctl/is-active-guacamole-on-tomcat-host", STANDALONE, ["inactive", "active"]],
  ])("reads %s line by line, whatever the exit code", (name, units, states) => {
    expect(parseIsActive(fixtureOutput(name), units)).toEqual({
      kind: "states",
      states: units.map((unit, i) => ({ unit, state: states[i] })),
    });
  });

  it("reads 'inactive inactive' with exit 3 as states, not an error", () => {
    expect(fixtureOutput("systemctl/is-active-standalone-stopped").exitCode).toBe(3);
  });

  it("keeps the words of a host that cannot reach systemd", () => {
    const output = fixtureOutput("systemctl/is-active-not-booted-with-systemd");
    expect(parseIsActive(output, STANDALONE)).toEqual({
      kind: "unrecognised",
      text: output.stderr,
    });
  });

  it("needs exactly one line per unit", () => {
    const output = fixtureOutput("systemctl/is-active-standalone-active");
    expect(parseIsActive(output, ["guacd"]).kind).toBe("unrecognised");
    expect(parseIsActive(output, [...STANDALONE, "tomcat"]).kind).toBe("unrecognised");
  });

  it("does not take an unknown word for a state", () => {
    const output = { exitCode: 0, stdout: "active\nrunning\n", stderr: "" };
    expect(parseIsActive(output, STANDALONE).kind).toBe("unrecognised");
  });
});

describe("parseIsActive, properties", () => {
  const arbitraryUnits = fc.array(fc.constantFrom("guacamole", "guacd", "tomcat"), {
    maxLength: 4,
  });

  it("never throws, and keeps the raw text of what it cannot read", () => {
    fc.assert(
      fc.property(arbitraryOutput, arbitraryUnits, (output, units) => {
        const result = parseIsActive(output, units);
        if (result.kind === "unrecognised") expect(result.text).toBe(rawOutputText(output));
        else expect(result.states.map((s) => s.unit)).toEqual(units);
      }),
    );
  });

  it.each(fixtureNames("systemctl").filter((n) => n.includes("is-active")))(
    "never throws on %s with arbitrary lines mixed in",
    (name) => {
      fc.assert(
        fc.property(arbitraryMix(fixtureOutput(name)), (output) => {
          const result = parseIsActive(output, STANDALONE);
          expect(["states", "unrecognised"]).toContain(result.kind);
        }),
      );
    },
  );

  it("reads any states, in order, with any exit code and \\r\\n", () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...UNIT_ACTIVE_STATES), { minLength: 1, maxLength: 4 }),
        fc.oneof(fc.constantFrom(0, 3), fc.integer()),
        fc.boolean(),
        (states, exitCode, crlf) => {
          const units = states.map((_, i) => `unit-${i}`);
          const stdout = states.map((s) => `${s}${crlf ? "\r\n" : "\n"}`).join("");
          expect(parseIsActive({ exitCode, stdout, stderr: "" }, units)).toEqual({
            kind: "states",
            states: units.map((unit, i) => ({ unit, state: states[i] })),
          });
        },
      ),
    );
  });
});
