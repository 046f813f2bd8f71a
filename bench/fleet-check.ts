/**
 * `check all` across N lab hosts: kcm-chatops's CLI (built, on node) beside
 * the baseline of plain OpenSSH running Keeper's check command (through the
 * host helper, the only root command the account has) with the same
 * parallelism, `xargs -P8 ssh host 'sudo -n kcm-host list-updates'`.
 * kcm-chatops does more per host (rpm -qa and systemctl show as well, over
 * the same connection); both are measured warm (dnf metadata cached).
 * Then, in this process, what the active-session count costs: the median
 * time of one host's check with it and without it, the same hosts, alternating.
 *   npm run bench:check [-- hosts [rounds]]     (needs root, like the lab)
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { checkFleet } from "../src/runbook/check-fleet.js";
import { sshConnector } from "../src/ssh/ssh-connector.js";
import { buildLab, createLabHost, type LabHost } from "../test/lab/lab.js";
import { labInventoryYaml } from "../test/lab/lab-inventory.js";
import { mustRun, runCommand } from "../test/lab/run-command.js";
import { checkTargetOf, sshTargetOf } from "../test/support/ssh-target-of.js";

const HOSTS = Number(process.argv[2] ?? 20);
const ROUNDS = Number(process.argv[3] ?? 3);
const PARALLEL = 8;

async function timed(file: string, args: string[], env?: NodeJS.ProcessEnv): Promise<number> {
  const start = performance.now();
  const result = await runCommand(file, args, env ? { env } : {});
  const ms = performance.now() - start;
  // `check` exits 0 when no host had a problem; xargs exits 123 when any ssh exited non-zero.
  if (result.code !== 0 && !(file === "xargs" && result.code === 123)) {
    throw new Error(`${file} exited ${result.code}: ${result.stderr.slice(-500)}`);
  }
  return ms;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

await buildLab();
await mustRun("npx", ["tsc", "-p", "tsconfig.build.json"]);
const work = await mkdtemp(path.join(tmpdir(), "kcm-bench-"));
const hosts: LabHost[] = [];
try {
  for (let i = 0; i < HOSTS; i += 10) {
    const batch = Math.min(10, HOSTS - i);
    hosts.push(
      ...(await Promise.all(
        Array.from({ length: batch }, () =>
          createLabHost({ release: "2.23.1", publish: ["2.24.1"] }),
        ),
      )),
    );
  }
  const inventory = path.join(work, "inventory.yml");
  await writeFile(inventory, labInventoryYaml(hosts));
  const commands = path.join(work, "ssh-commands");
  await writeFile(
    commands,
    hosts
      .map((h) => h.sshArgs(h.helper("list-updates")).map((a) => `'${a.replaceAll("'", "'\\''")}'`))
      .map((args) => `ssh ${args.join(" ")} >/dev/null`)
      .join("\n"),
  );
  const baseline = () =>
    timed("xargs", ["-a", commands, "-d", "\n", `-P${PARALLEL}`, "-n1", "sh", "-c"]);
  const ours = () =>
    timed(
      "node",
      ["dist/src/cli/kcm-chatops.js", "check", "all", "--json", "--concurrency", String(PARALLEL)],
      {
        ...process.env,
        KCM_INVENTORY: inventory,
      },
    );
  await baseline();
  await ours();
  const a: number[] = [];
  const b: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    a.push(await baseline());
    b.push(await ours());
  }
  const base = median(a);
  const mine = median(b);
  console.log(
    `check all: ${HOSTS} lab hosts, ${PARALLEL} at a time, median of ${ROUNDS} rounds (node ${process.version})`,
  );
  console.log(
    `  xargs -P${PARALLEL} ssh ... yum list updates (baseline)  ${(base / 1000).toFixed(2)} s`,
  );
  console.log(
    `  kcm-chatops check all --concurrency ${PARALLEL}          ${(mine / 1000).toFixed(2)} s`,
  );
  console.log(`  ratio kcm-chatops / baseline: ${(mine / base).toFixed(2)}`);
  const perHost = { with: [] as number[], without: [] as number[] };
  const connect = sshConnector(hosts.map((h) => sshTargetOf(h)));
  for (let round = 0; round < ROUNDS; round++) {
    for (const counting of [true, false]) {
      const checks = await checkFleet(
        hosts.map((h) => checkTargetOf(h)),
        {
          connect,
          commandTimeoutMs: 60_000,
          concurrency: PARALLEL,
          countSessions: counting,
        },
      );
      (counting ? perHost.with : perHost.without).push(...checks.map((c) => c.durationMs));
    }
  }
  console.log(
    `  one host's check (median of ${perHost.with.length}): with the session count ${median(perHost.with)} ms, without ${median(perHost.without)} ms`,
  );
} finally {
  await Promise.all(hosts.map((h) => h.destroy()));
  await rm(work, { recursive: true, force: true });
}
