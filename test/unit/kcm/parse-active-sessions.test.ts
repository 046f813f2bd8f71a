import { describe, expect, it } from "vitest";
import { countSessions } from "../../../src/kcm/commands.js";
import { parseActiveSessions } from "../../../src/kcm/parse-active-sessions.js";
import { loadFixture } from "../../fixtures/kcm/load-fixture.js";

// The captured lab host: guacd at 127.0.1.x:4822 with 3 sessions open (see each fixture's source).
const fixture = (name: string) => loadFixture(`sessions/${name}`);
const ownAddress = (name: string) => /\((127\.0\.1\.\d+), guacd/.exec(fixture(name).source)?.[1];

describe("countSessions", () => {
  it("is the command the fixtures were captured with, for a valid port only", () => {
    expect(countSessions(4822)).toBe(fixture("ss-3-sessions").command);
    expect(() => countSessions(0)).toThrow(/not a TCP port/);
    expect(() => countSessions(4822.5)).toThrow(/not a TCP port/);
  });
});

describe("parseActiveSessions", () => {
  it("counts the established connections to guacd's address and port from ss", () => {
    const name = "ss-3-sessions";
    expect(parseActiveSessions(fixture(name), { port: 4822, address: ownAddress(name) })).toEqual({
      kind: "count",
      count: 3,
      source: "ss",
    });
  });

  it("gives the same count from the kernel's tables when ss is missing", () => {
    const name = "proc-3-sessions";
    expect(parseActiveSessions(fixture(name), { port: 4822, address: ownAddress(name) })).toEqual({
      kind: "count",
      count: 3,
      source: "proc",
    });
  });

  it("without an address, counts every local address (production: one host, one stack)", () => {
    for (const name of ["ss-3-sessions", "proc-3-sessions"]) {
      const all = parseActiveSessions(fixture(name), { port: 4822 });
      expect(all.kind === "count" && all.count).toBeGreaterThanOrEqual(3);
    }
  });

  it("counts nothing for another port or another address", () => {
    const name = "proc-3-sessions";
    expect(
      parseActiveSessions(fixture(name), { port: 4823, address: ownAddress(name) }),
    ).toMatchObject({ count: 0 });
    expect(parseActiveSessions(fixture(name), { port: 4822, address: "10.9.9.9" })).toMatchObject({
      count: 0,
    });
  });

  it("says unknown, plainly, when neither ss nor /proc/net could be read", () => {
    expect(parseActiveSessions(fixture("none-readable"), { port: 4822 })).toEqual({
      kind: "unknown",
      reason: "neither ss nor /proc/net/tcp could be read on the host",
    });
  });

  it("reads hand-written lines: IPv4 in the kernel's byte order, IPv4 mapped into IPv6, ss's brackets", () => {
    const proc = {
      exitCode: 0,
      stdout: [
        "  sl  local_address rem_address   st tx_queue rx_queue",
        "   0: 0501007F:12D6 0100007F:A3F2 01 00000000:00000000",
        "   1: 0501007F:12D6 0100007F:A3F4 0A 00000000:00000000",
        "   0: 0000000000000000FFFF00000501007F:12D6 0000000000000000FFFF00000100007F:9C40 01 0",
        "#proc",
      ].join("\n"),
      stderr: "",
    };
    expect(parseActiveSessions(proc, { port: 4822, address: "127.0.1.5" })).toMatchObject({
      count: 2,
    });
    const ss = {
      exitCode: 0,
      stdout: "0 0 [::ffff:127.0.1.5]:4822 [::ffff:127.0.0.1]:40000\n#ss\n",
      stderr: "",
    };
    expect(parseActiveSessions(ss, { port: 4822, address: "127.0.1.5" })).toMatchObject({
      count: 1,
    });
  });

  it("never throws on output it does not know", () => {
    expect(
      parseActiveSessions({ exitCode: 0, stdout: "¿?\n", stderr: "" }, { port: 4822 }),
    ).toMatchObject({
      kind: "unknown",
    });
  });
});
