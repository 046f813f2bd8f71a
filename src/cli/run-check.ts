import { parseArgs } from "node:util";
import { loadInventory } from "../config/load-inventory.js";
import type { AppEnv } from "../config/read-env.js";
import { resolveTarget } from "../config/resolve-target.js";
import { checkFleet } from "../runbook/check-fleet.js";
import { sshConnector } from "../ssh/ssh-connector.js";
import { formatCheckTable } from "./format-check-table.js";
import { UsageError } from "./usage-error.js";

export const CHECK_USAGE =
  "kcm-chatops check <host|group|all> [--json] [--concurrency N] [--inventory FILE]";

/** Where the CLI's commands write. */
export interface CliOutput {
  out: (text: string) => void;
  err: (text: string) => void;
  /** Resolves once what `out` wrote has been taken by the reader (long outputs wait for it). */
  drain?: () => Promise<void>;
}

/**
 * `kcm-chatops check <target>`: checks the hosts over SSH and prints a table
 * (or JSON with --json). Resolves to the exit code: 0 when every host was
 * checked without problems, 1 when any host had one.
 */
export async function runCheck(args: string[], env: AppEnv, io: CliOutput): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      json: { type: "boolean", default: false },
      concurrency: { type: "string" },
      inventory: { type: "string" },
    },
  });
  if (positionals.length !== 1)
    throw new UsageError(`check takes one target\nusage: ${CHECK_USAGE}`);
  const concurrency =
    values.concurrency === undefined ? env.checkConcurrency : Number(values.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) {
    throw new UsageError(`--concurrency takes a whole number from 1 to 64\nusage: ${CHECK_USAGE}`);
  }
  const inventory = await loadInventory(values.inventory ?? env.inventoryPath);
  const target = resolveTarget(inventory, positionals[0] ?? "");
  if (target.kind === "invalid") throw new UsageError(`${target.reason}\nusage: ${CHECK_USAGE}`);
  if (target.kind === "unknown") {
    const hint =
      target.suggestions.length > 0 ? ` (did you mean ${target.suggestions.join(", ")}?)` : "";
    throw new UsageError(`no host or group "${target.target}" in ${inventory.source}${hint}`);
  }
  const connect = sshConnector(target.hosts, { connectTimeoutMs: env.sshConnectTimeoutMs });
  let done = 0;
  const checks = await checkFleet(target.hosts, {
    connect,
    concurrency,
    commandTimeoutMs: env.checkCommandTimeoutMs,
    onHostChecked: (check) => {
      done++;
      if (!values.json) io.err(`checked ${check.host} (${done}/${target.hosts.length})`);
    },
  });
  io.out(values.json ? JSON.stringify(checks, null, 2) : formatCheckTable(checks));
  return checks.some((c) => c.problems.length > 0) ? 1 : 0;
}
