import { describe, expect, it } from "vitest";
import {
  hostSchema,
  targetNameSchema,
  windowSchema,
} from "../../../src/config/inventory-schema.js";
import { describeIssues, KEYS, oneHost } from "./inventory-text.js";

const validHost = { name: "web1", address: "10.0.0.1", hostKey: KEYS.a };
const validWindow = {
  timeZone: "Europe/Berlin",
  days: ["sat"],
  start: "02:00",
  durationMinutes: 60,
};

/** The messages a schema gives for a value, or [] when it accepts it. */
function problems(
  schema: { safeParse: (value: unknown) => { error?: { issues: { message: string }[] } } },
  value: unknown,
): string[] {
  return schema.safeParse(value).error?.issues.map((issue) => issue.message) ?? [];
}

describe("host and group names", () => {
  it.each(["web1", "0kcm", "kcm-01.eu-west", "a", "x".repeat(63)])("accepts %j", (name) => {
    expect(problems(targetNameSchema, name)).toEqual([]);
  });

  it.each(["Web1", "-web", ".web", "web_1", "web 1", "web1;", "", "x".repeat(64), "wéb", "web1\n"])(
    "refuses %j",
    (name) => {
      expect(problems(targetNameSchema, name)).toEqual([
        'expected lowercase letters, digits, "." and "-", starting with a letter or digit, at most 63 characters',
      ]);
    },
  );

  it("reserves all, which means every host", () => {
    expect(problems(targetNameSchema, "all")).toEqual(['"all" is reserved: it means every host']);
    expect(describeIssues(oneHost(`    hostKey: ${KEYS.a}\n`).replace("web1", "all"))).toEqual([
      'hosts[0].name: "all" is reserved: it means every host',
    ]);
    expect(problems(targetNameSchema, "all2")).toEqual([]);
  });
});

describe("host keys", () => {
  it.each([KEYS.a, KEYS.b, "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU"])(
    "accepts %s",
    (hostKey) => {
      expect(problems(hostSchema, { ...validHost, hostKey })).toEqual([]);
    },
  );

  it.each([
    ["padding", `${KEYS.a}=`],
    ["too short", KEYS.a.slice(0, -1)],
    ["too long", `${KEYS.a}A`],
    ["lowercase prefix", KEYS.a.replace("SHA256", "sha256")],
    ["no prefix", KEYS.a.slice("SHA256:".length)],
    ["MD5 form", "MD5:16:27:ac:a5:76:28:2d:36:63:1b:56:4d:eb:df:a6:48"],
    ["a space", `SHA256: ${KEYS.a.slice(8)}`],
    ["URL-safe base64", KEYS.a.replace("/", "_")],
    // 43 characters hold 258 bits; the last one must leave the 2 spare bits zero.
    ["non-canonical last character", `${KEYS.a.slice(0, -1)}F`],
  ])("refuses %s", (_, hostKey) => {
    const [message] = problems(hostSchema, { ...validHost, hostKey });
    expect(message).toMatch(/^expected SHA256:<base64> \(43 characters, no padding\)/);
  });
});

describe("host addresses, ports, users, keys, health", () => {
  it.each([
    "10.0.0.1",
    "::1",
    "fd00::10",
    "kcm",
    "kcm-web1.example.internal",
    "xn--bcher-kva.example",
  ])("accepts address %s", (address) => {
    expect(problems(hostSchema, { ...validHost, address })).toEqual([]);
  });

  it.each([
    "999.1.1.1",
    "10.0.0",
    "[::1]",
    "web_1.example",
    "-web.example",
    "a..b",
    "web1:22",
    "",
    "x".repeat(64),
  ])("refuses address %j", (address) => {
    expect(problems(hostSchema, { ...validHost, address })).toEqual([
      "expected an IPv4 address, an IPv6 address (without brackets) or a DNS name",
    ]);
  });

  it.each([0, 65536, 22.5, "22", -1])("refuses port %j", (port) => {
    expect(problems(hostSchema, { ...validHost, port })).toEqual([
      "expected a whole number from 1 to 65535",
    ]);
  });

  it("refuses a relative key path, a login name with spaces, an unknown layout", () => {
    expect(
      describeIssues(
        oneHost(`    hostKey: ${KEYS.a}\n    layout: jboss\n`)
          .replace("user: kcm", "user: kcm admin")
          .replace("privateKey: /k", "privateKey: ~/.ssh/id_ed25519"),
      ),
    ).toEqual([
      'hosts[0].user: expected a login name: letters, digits, "_", "." and "-", at most 32 characters',
      "hosts[0].privateKey: expected the absolute path of the SSH private key file",
      'hosts[0].layout: expected one of auto, standalone, tomcat, got "jboss"',
    ]);
  });

  it("refuses an unknown privilege and a helper path that is relative, climbs, or holds spaces", () => {
    expect(
      describeIssues(
        oneHost(`    hostKey: ${KEYS.a}\n    privilege: sudo-all\n    helperPath: ../kcm-host\n`),
      ),
    ).toEqual([
      'hosts[0].privilege: expected one of helper, direct-sudo, got "sudo-all"',
      'hosts[0].helperPath: expected an absolute path of letters, digits, ".", "_", "+", "-" and "/"',
      'hosts[0].helperPath: expected no ".." in the path',
    ]);
    expect(problems(hostSchema, { ...validHost, helperPath: "/opt/../tmp/kcm-host" })).toEqual([
      'expected no ".." in the path',
    ]);
    expect(problems(hostSchema, { ...validHost, helperPath: "/opt/kcm host" })).toHaveLength(1);
    expect(
      problems(hostSchema, {
        ...validHost,
        privilege: "direct-sudo",
        helperPath: "/opt/k/kcm-host",
      }),
    ).toEqual([]);
  });

  it("checks the health probe: an http(s) URL and a port", () => {
    expect(
      problems(hostSchema, { ...validHost, health: { webUrl: "http://10.0.0.1:8080/" } }),
    ).toEqual([]);
    expect(
      problems(hostSchema, {
        ...validHost,
        health: { webUrl: "javascript:alert(1)", guacdPort: 0, x: 1 },
      }),
    ).toEqual([
      "expected an http:// or https:// URL",
      "expected a whole number from 1 to 65535",
      'Unrecognized key: "x"',
    ]);
  });
});

describe("maintenance windows", () => {
  it("accepts a window in any IANA zone", () => {
    expect(problems(windowSchema, validWindow)).toEqual([]);
    expect(
      problems(windowSchema, { ...validWindow, timeZone: "America/Argentina/Buenos_Aires" }),
    ).toEqual([]);
    expect(problems(windowSchema, { ...validWindow, timeZone: "UTC" })).toEqual([]);
  });

  it.each(["Mars/Olympus", "Europe/Berlinn", "+01:00", "CET+1", ""])(
    "refuses zone %j",
    (timeZone) => {
      expect(problems(windowSchema, { ...validWindow, timeZone })).toEqual([
        'expected an IANA time zone such as "Europe/Berlin"',
      ]);
    },
  );

  it.each(["24:00", "2:00", "02:60", "02:00:00", "0200", " 02:00", "12:5"])(
    "refuses start %j",
    (start) => {
      expect(problems(windowSchema, { ...validWindow, start })).toEqual([
        'expected a 24-hour time "HH:MM", such as "02:00"',
      ]);
    },
  );

  it.each(["00:00", "23:59", "09:30"])("accepts start %j", (start) => {
    expect(problems(windowSchema, { ...validWindow, start })).toEqual([]);
  });

  it("wants at least one day, known days, each once", () => {
    expect(problems(windowSchema, { ...validWindow, days: [] })).toEqual([
      "expected at least one day",
    ]);
    expect(describeIssues(window("days: [mon, tue, mon]"))).toEqual([
      'windows.w.days[2]: "mon" is listed twice',
    ]);
    expect(describeIssues(window("days: [mon, monday]"))).toEqual([
      'windows.w.days[1]: expected one of mon, tue, wed, thu, fri, sat, sun, got "monday"',
    ]);
  });

  it.each([0, 1441, 1.5, "60"])("refuses durationMinutes %j", (durationMinutes) => {
    expect(problems(windowSchema, { ...validWindow, durationMinutes })).toEqual([
      "expected a whole number from 1 to 1440",
    ]);
  });

  it("reports every mistake in one window at once", () => {
    const text = window(
      "timeZone: Nowhere/City\n    days: []\n    start: 7pm\n    durationMinutes: 0",
      true,
    );
    expect(describeIssues(text)).toEqual([
      'windows.w.timeZone: expected an IANA time zone such as "Europe/Berlin"',
      "windows.w.days: expected at least one day",
      'windows.w.start: expected a 24-hour time "HH:MM", such as "02:00"',
      "windows.w.durationMinutes: expected a whole number from 1 to 1440",
    ]);
  });
});

/** An inventory with one window `w`, with `line` replacing its days (or all of it). */
function window(line: string, whole = false): string {
  const body = whole
    ? line
    : `timeZone: Europe/Berlin\n    ${line}\n    start: "02:00"\n    durationMinutes: 60`;
  return `windows:\n  w:\n    ${body}\n${oneHost(`    hostKey: ${KEYS.a}\n`)}`;
}
