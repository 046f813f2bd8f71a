import type { CommandOutput } from "./command-output.js";

/** How many remote sessions a host has open now, and where the count came from; or why it is not known. */
export type ActiveSessions =
  | { kind: "count"; count: number; source: "ss" | "proc" }
  | { kind: "unknown"; reason: string };

/** Which connections count: to this port, and (when set) to this local IPv4 address only. */
export interface SessionFilter {
  port: number;
  address?: string | undefined;
}

/**
 * Reads `countSessions`' output: the lines `ss` printed (local address and
 * port in the 4th column), or the kernel's tables (state 01 is ESTABLISHED;
 * addresses in hex, IPv4 in little-endian byte order). Never throws: output
 * it cannot read is "unknown", said plainly.
 */
export function parseActiveSessions(output: CommandOutput, filter: SessionFilter): ActiveSessions {
  const lines = output.stdout
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
  const marker = lines.at(-1);
  const body = lines.slice(0, -1);
  if (marker === "#ss") {
    const count = body.filter((line) => ssLineCounts(line, filter)).length;
    return { kind: "count", count, source: "ss" };
  }
  if (marker === "#proc") {
    const count = body.filter((line) => procLineCounts(line, filter)).length;
    return { kind: "count", count, source: "proc" };
  }
  return {
    kind: "unknown",
    reason:
      marker === "#none"
        ? "neither ss nor /proc/net/tcp could be read on the host"
        : "the session count printed something kcm-chatops does not recognise",
  };
}

/** `0 0 127.0.1.5:4822 127.0.0.1:41234` (or `[::ffff:127.0.1.5]:4822`). */
function ssLineCounts(line: string, filter: SessionFilter): boolean {
  const local = line.split(/\s+/)[2];
  if (local === undefined) return false;
  const cut = local.lastIndexOf(":");
  const port = Number(local.slice(cut + 1));
  const address = local
    .slice(0, cut)
    .replace(/^\[(?:::ffff:)?/, "")
    .replace(/\]$/, "");
  return port === filter.port && (filter.address === undefined || address === filter.address);
}

/** `0: 0501007F:12D6 0100007F:A3F2 01 …` from /proc/net/tcp, or its tcp6 form. */
function procLineCounts(line: string, filter: SessionFilter): boolean {
  const [, local, , state] = line.split(/\s+/);
  if (state !== "01" || local === undefined) return false;
  const [hex, portHex] = local.split(":");
  if (hex === undefined || portHex === undefined) return false;
  if (Number.parseInt(portHex, 16) !== filter.port) return false;
  if (filter.address === undefined) return true;
  // IPv4, or IPv4 mapped into IPv6 (the last of four 32-bit words, after 0000FFFF).
  const v4 = hex.length === 8 ? hex : /^0{16}FFFF0000([0-9A-F]{8})$/i.exec(hex)?.[1];
  return v4 !== undefined && ipv4OfHex(v4) === filter.address;
}

/** The kernel's little-endian hex of an IPv4 address, as dotted quads. */
function ipv4OfHex(hex: string): string {
  const bytes = hex.match(/../g) ?? [];
  return bytes
    .reverse()
    .map((b) => Number.parseInt(b, 16))
    .join(".");
}
