import { checkHost } from "../src/runbook/check-host.js";
import { sshConnector } from "../src/ssh/ssh-connector.js";
import { buildLab, createLabHost, type LabHost } from "../test/lab/lab.js";
import { checkTargetOf, sshTargetOf } from "../test/support/ssh-target-of.js";
import { upgradeInProcess } from "./upgrade-in-process.js";

const CHECKS = Number(process.argv[2] ?? 20);
const UPGRADES = Number(process.argv[3] ?? 5);

async function timeCheck(host: LabHost): Promise<number> {
  const started = performance.now();
  const check = await checkHost(checkTargetOf(host), {
    connect: sshConnector([sshTargetOf(host)]),
    commandTimeoutMs: 60_000,
  });
  const ms = performance.now() - started;
  if (check.problems.length > 0) throw new Error(`${host.name}: ${JSON.stringify(check.problems)}`);
  return ms;
}

/** One runbook upgrade; then the host is put back to 2.23.1 as root, off the clock. */
async function timeUpgrade(host: LabHost): Promise<{ totalMs: number; downtimeMs: number }> {
  const { outcome, totalMs } = await upgradeInProcess(host);
  if (outcome.kind !== "upgraded") throw new Error(`${host.name}: ${outcome.kind}`);
  const undo = await host.asRoot("yum", ["history", "undo", "-y", "last"]);
  if (undo.code !== 0) throw new Error(`${host.name}: undo failed: ${undo.stderr}`);
  return { totalMs, downtimeMs: outcome.downtimeMs };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const p90 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.9)] ?? 0;

await buildLab();
const [helper, direct] = await Promise.all([
  createLabHost({ name: "helper", release: "2.23.1", publish: ["2.24.1"] }),
  createLabHost({
    name: "direct",
    release: "2.23.1",
    publish: ["2.24.1"],
    privilege: "direct-sudo",
  }),
]);
const hosts = { helper, direct };
const checks = { helper: [] as number[], direct: [] as number[] };
const totals = { helper: [] as number[], direct: [] as number[] };
const downtimes = { helper: [] as number[], direct: [] as number[] };
try {
  // Warm both (dnf metadata cached, sshd's first-connection costs paid).
  await timeCheck(helper);
  await timeCheck(direct);
  for (let i = 0; i < CHECKS; i++) {
    const order = i % 2 === 0 ? (["helper", "direct"] as const) : (["direct", "helper"] as const);
    for (const kind of order) checks[kind].push(await timeCheck(hosts[kind]));
  }
  for (let i = 0; i < UPGRADES; i++) {
    const order = i % 2 === 0 ? (["helper", "direct"] as const) : (["direct", "helper"] as const);
    for (const kind of order) {
      const r = await timeUpgrade(hosts[kind]);
      totals[kind].push(r.totalMs);
      downtimes[kind].push(r.downtimeMs);
    }
  }
} finally {
  await Promise.all([helper.destroy(), direct.destroy()]);
}
const ms = (x: number) => `${x.toFixed(0).padStart(6)} ms`;
const row = (what: string, xs: { helper: number[]; direct: number[] }) =>
  console.log(
    `  ${what.padEnd(28)} ${ms(median(xs.direct))} ${ms(p90(xs.direct))}   ${ms(median(xs.helper))} ${ms(p90(xs.helper))}   ${(median(xs.helper) - median(xs.direct)).toFixed(0).padStart(5)} ms`,
  );
console.log(
  `host helper vs direct sudo, ${CHECKS} checks and ${UPGRADES} upgrades (2.23.1 → 2.24.1) each, alternating (node ${process.version})`,
);
console.log(
  `  ${"".padEnd(28)} direct-sudo (baseline)       helper (default)             median Δ`,
);
console.log(
  `  ${"".padEnd(28)} ${"median".padStart(9)} ${"p90".padStart(9)}   ${"median".padStart(9)} ${"p90".padStart(9)}`,
);
row("check (one host)", checks);
row("upgrade job, total", totals);
row("upgrade, downtime", downtimes);
