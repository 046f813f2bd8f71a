import { parseArgs } from "node:util";
import pLimit from "p-limit";
import { ConfigError } from "../config/config-error.js";
import type { HostConfig, Inventory } from "../config/inventory-schema.js";
import { loadInventory } from "../config/load-inventory.js";
import type { AppEnv } from "../config/read-env.js";
import { readHostHelper } from "../kcm/read-host-helper.js";
import type { Finding } from "../runbook/finding.js";
import { inspectHostAccess } from "../runbook/inspect-host-access.js";
import { scanHostKey } from "../ssh/scan-host-key.js";
import { SshSession } from "../ssh/ssh-session.js";
import { checkInventories, checkRedis, checkSlack } from "./check-services.js";
import { type DoctorSection, formatDoctorReport } from "./format-doctor-report.js";
import type { CliOutput } from "./run-check.js";

export const DOCTOR_USAGE = "kcm-chatops doctor [--inventory FILE] [--json]";

const finding = (
  check: string,
  status: Finding["status"],
  summary: string,
  details: string[] = [],
  fix: string[] = [],
): Finding => ({ check, status, summary, details, fix });

function inventoryFinding(error: ConfigError): Finding {
  return finding(
    "inventory",
    "failed",
    error.message.split("\n")[0] ?? error.message,
    error.message.split("\n").slice(1),
    error.code === "unreadable-inventory"
      ? [
          "point KCM_INVENTORY (or --inventory) at the inventory file; inventory.example.yml shows its form",
        ]
      : ["correct every problem listed (the file is refused whole until then)"],
  );
}

function describeInventory(inventory: Inventory): string {
  const n = inventory.hosts.length;
  const g = inventory.groups.size;
  return `${inventory.source}: ${n} host${n === 1 ? "" : "s"}, ${g} group${g === 1 ? "" : "s"}${inventory.slack ? ", a slack section" : ""}`;
}

function checkHost(host: HostConfig, env: AppEnv): Promise<Finding[]> {
  return inspectHostAccess(host, {
    scanKey: () =>
      scanHostKey(
        { address: host.address, port: host.port, name: host.name },
        { timeoutMs: env.sshConnectTimeoutMs },
      ),
    connect: () => SshSession.open(host, { connectTimeoutMs: env.sshConnectTimeoutMs }),
    commandTimeoutMs: env.checkCommandTimeoutMs,
    helperSha256: readHostHelper().sha256,
  });
}

/**
 * `kcm-chatops doctor`: checks everything the bot and the worker depend on
 * and prints one line per check, ✓ or ✗, with the fix for every ✗ (or
 * JSON with --json): the environment, the inventory, Redis and the Slack
 * token when they are configured, and each host (KCM_CHECK_CONCURRENCY at
 * a time): reachable, host key, login, the host helper, sudo rights, layout. Resolves to 0
 * when nothing failed, 1 otherwise.
 */
export async function runDoctor(
  args: string[],
  loadEnv: () => AppEnv,
  io: CliOutput,
): Promise<number> {
  const { values } = parseArgs({
    args,
    strict: true,
    options: { inventory: { type: "string" }, json: { type: "boolean", default: false } },
  });
  const sections: DoctorSection[] = [];
  const report = () => {
    const failed = sections.some((s) => s.findings.some((f) => f.status === "failed"));
    io.out(
      values.json
        ? JSON.stringify({ ok: !failed, sections }, null, 2)
        : formatDoctorReport(sections),
    );
    return failed ? 1 : 0;
  };
  let env: AppEnv;
  try {
    env = loadEnv();
    sections.push({ subject: "environment", findings: [finding("environment", "ok", "valid")] });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const [summary = "", ...issues] = error.message.split("\n");
    sections.push({
      subject: "environment",
      findings: [
        finding("environment", "failed", summary, issues, [
          "correct these variables; nothing else can be checked until then",
        ]),
      ],
    });
    return report();
  }
  let inventory: Inventory | undefined;
  try {
    inventory = await loadInventory(values.inventory ?? env.inventoryPath);
    sections.push({
      subject: "inventory",
      findings: [finding("inventory", "ok", describeInventory(inventory))],
    });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    sections.push({ subject: "inventory", findings: [inventoryFinding(error)] });
  }
  const hosts = inventory?.hosts ?? [];
  let done = 0;
  const [redis, inventories, slack, hostFindings] = await Promise.all([
    checkRedis(env),
    inventory ? checkInventories(env, inventory) : Promise.resolve([]),
    checkSlack(env),
    pLimit(env.checkConcurrency).map(hosts, async (host) => {
      const findings = await checkHost(host, env);
      done++;
      if (!values.json) io.err(`checked ${host.name} (${done}/${hosts.length})`);
      return findings;
    }),
  ]);
  sections.push(
    { subject: "redis", findings: [...redis, ...inventories] },
    { subject: "slack", findings: slack },
  );
  hosts.forEach((host, i) => {
    sections.push({
      subject: `${host.name} (${host.user}@${host.address}:${host.port})`,
      host: host.name,
      findings: hostFindings[i] ?? [],
    });
  });
  return report();
}
