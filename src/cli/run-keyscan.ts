import { parseArgs } from "node:util";
import { formatAddress, scanHostKey } from "../ssh/scan-host-key.js";
import { SshError } from "../ssh/ssh-error.js";
import type { CliOutput } from "./run-check.js";
import { UsageError } from "./usage-error.js";

export const KEYSCAN_USAGE = "kcm-chatops keyscan <address> [--port N] [--timeout MS]";

/** Where OpenSSH keeps a key of this type on the host, for the comparison people make there. */
export function hostKeyFile(keyType: string): string {
  const kind = keyType.startsWith("ecdsa-")
    ? "ecdsa"
    : ({ "ssh-ed25519": "ed25519", "ssh-rsa": "rsa", "ssh-dss": "dsa" }[keyType] ?? "*");
  return `/etc/ssh/ssh_host_${kind}_key.pub`;
}

function wholeNumber(text: string | undefined, name: string, min: number, max: number) {
  if (text === undefined) return undefined;
  const value = /^\d{1,7}$/.test(text) ? Number(text) : Number.NaN;
  if (!(value >= min && value <= max)) {
    throw new UsageError(
      `${name} takes a whole number from ${min} to ${max}\nusage: ${KEYSCAN_USAGE}`,
    );
  }
  return value;
}

/**
 * `kcm-chatops keyscan <address>`: fetches the host's SSH key without
 * logging in and prints the inventory line that pins it, on stdout; the
 * reminder to compare it on the host itself goes to stderr, so the output
 * can be pasted (or appended) as it is. Exit 1 when the host cannot be
 * reached, with the reason.
 */
export async function runKeyscan(
  args: string[],
  io: CliOutput,
  now: () => number = Date.now,
): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: { port: { type: "string" }, timeout: { type: "string" } },
  });
  const [address, ...more] = positionals;
  if (address === undefined || more.length > 0 || !/^[A-Za-z0-9.:_-]{1,253}$/.test(address)) {
    throw new UsageError(`keyscan takes one address (a name or an IP)\nusage: ${KEYSCAN_USAGE}`);
  }
  const port = wholeNumber(values.port, "--port", 1, 65535) ?? 22;
  const timeoutMs = wholeNumber(values.timeout, "--timeout", 100, 300_000) ?? 10_000;
  const where = formatAddress(address, port);
  try {
    const key = await scanHostKey({ address, port }, { timeoutMs });
    const day = new Date(now()).toISOString().slice(0, 10);
    io.out(`hostKey: ${key.fingerprint} # ${key.keyType}, ${where}, scanned ${day}`);
    io.err(
      [
        `Trust on first use: this is the key ${where} presented over the network, not yet proof of`,
        "whose it is. Before you pin it, compare it with what the host itself says, on its console",
        "or over a connection you already trust:",
        `  ssh-keygen -lf ${hostKeyFile(key.keyType)}`,
        `must print ${key.fingerprint}.`,
      ].join("\n"),
    );
    return 0;
  } catch (error) {
    if (!(error instanceof SshError)) throw error;
    io.err(`kcm-chatops keyscan: ${error.message}`);
    return 1;
  }
}
