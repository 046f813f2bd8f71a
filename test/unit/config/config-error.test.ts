import { describe, expect, it } from "vitest";
import { ConfigError } from "../../../src/config/config-error.js";
import { formatPath } from "../../../src/config/format-path.js";

describe("ConfigError", () => {
  it("lists a header naming the source, then one line per issue with its line", () => {
    const cause = new Error("inner");
    const error = new ConfigError(
      "invalid-inventory",
      "/etc/kcm-chatops/inventory.yml",
      [
        { path: "hosts[2].hostKey", message: "expected SHA256:<base64>", line: 14 },
        { path: "line 3, column 7", message: "Map keys must be unique" },
      ],
      { cause },
    );
    expect(error.message).toBe(
      [
        "The inventory /etc/kcm-chatops/inventory.yml is invalid (2 problems); nothing was loaded:",
        "  hosts[2].hostKey: expected SHA256:<base64> (line 14)",
        "  line 3, column 7: Map keys must be unique",
      ].join("\n"),
    );
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe("ConfigError");
    expect(error.cause).toBe(cause);
    expect(error.source).toBe("/etc/kcm-chatops/inventory.yml");
  });

  it("says 1 problem, not 1 problems", () => {
    const error = new ConfigError("invalid-environment", "environment", [
      { path: "KCM_CHECK_CONCURRENCY", message: "bad" },
    ]);
    expect(error.message.split("\n")[0]).toBe("The environment is invalid (1 problem):");
  });
});

describe("formatPath", () => {
  it.each([
    [["hosts", 2, "hostKey"], "hosts[2].hostKey"],
    [["groups", "web", "hosts", 0], "groups.web.hosts[0]"],
    [["groups", "eu.dmz"], 'groups["eu.dmz"]'],
    [["windows", "late night", "days", 1], 'windows["late night"].days[1]'],
    [["groups", "web-eu"], "groups.web-eu"],
    [[], "(file)"],
  ] as const)("formats %j as %s", (path, text) => {
    expect(formatPath(path)).toBe(text);
  });
});
