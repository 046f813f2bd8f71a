/**
 * `npm run bench:rollout [hosts] [bytes-per-second]`: a fleet upgrade of
 * `hosts` lab hosts (default 20), KCM 2.24.1 → 2.25.0 (8 MiB each) from one
 * rate-limited loopback mirror (default 4 MiB/s, shared by every host), a
 * canary and then 5 at a time, two ways in one run:
 *
 * - the baseline: an Ansible playbook doing the vendor's procedure (stop,
 *   yum upgrade, start) with `serial: [1, 5]`, its commands through
 *   `sudo -n` (the lab's sudoers are narrow, like a production one: the host
 *   helper only, so the upgrade names the exact versions);
 * - kcm-chatops: `/kcm upgrade fleet` from Slack (the real Bolt app, a fake
 *   Slack Web API on loopback), one approval, the rollout run by two worker
 *   processes.
 *
 * Both on fresh hosts of the same names and addresses. Prints the wall time,
 * each host's downtime as its users see it (the web application not
 * answering, watched from outside every 100 ms; median and max), kcm-chatops's
 * Slack API calls from the command to the summary, and how far the root
 * message lagged behind the workers. Root, like the lab; installs Debian's
 * ansible-core if it is missing.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { packageSpec } from "../src/kcm/commands.js";
import { checkHost } from "../src/runbook/check-host.js";
import { REQUEST_ACTIONS } from "../src/slack/blocks/request-blocks.js";
import { sshConnector } from "../src/ssh/ssh-connector.js";
import { RedisAuditLog } from "../src/store/redis-audit-log.js";
import { buildLab, createLabHost, type LabHost } from "../test/lab/lab.js";
import { ALWAYS_OPEN_WINDOW } from "../test/lab/lab-inventory.js";
import { labPaths } from "../test/lab/lab-paths.js";
import { startLabRepoServer } from "../test/lab/lab-repo-server.js";
import { runCommand } from "../test/lab/run-command.js";
import { ALICE, BOB, BotHarness, CHANNEL } from "../test/support/bot-harness.js";
import { checkTargetOf, sshTargetOf } from "../test/support/ssh-target-of.js";
import { startOwnRedis } from "../test/support/start-own-redis.js";
import { watchDowntime } from "./watch-downtime.js";

const HOSTS = Number(process.argv[2] ?? 20);
const RATE = Number(process.argv[3] ?? 4 * 1024 * 1024);
const BATCH = 5;
const names = Array.from({ length: HOSTS }, (_, i) => `fleet-${i + 1}`);

async function ensureAnsible(): Promise<void> {
  if ((await runCommand("sh", ["-c", "command -v ansible-playbook"])).code === 0) return;
  console.log("installing Debian's ansible-core…");
  const installed = await runCommand("apt-get", ["install", "-y", "-q", "ansible-core"], {
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
  });
  if (installed.code !== 0) throw new Error(`apt-get install ansible-core: ${installed.stderr}`);
}

async function freshHosts(url: string): Promise<LabHost[]> {
  const hosts = await Promise.all(names.map((name) => createLabHost({ name, release: "2.24.1" })));
  await Promise.all(hosts.map((h) => h.publish("2.25.0", { baseUrl: url })));
  return hosts;
}

/** Watches every host's web application while `work` runs; each host's downtime (ms). */
async function watched(hosts: LabHost[], work: () => Promise<void>): Promise<number[]> {
  const watchers = hosts.map((h) => watchDowntime(h.address));
  await work();
  const ends = await Promise.all(watchers.map((w) => w.stop()));
  const down = ends.filter((e) => !e.upAtEnd).length;
  if (down > 0) throw new Error(`${down} hosts are down at the end`);
  return ends.map((e) => e.downMs);
}

/** The Ansible baseline: the vendor's three steps, serial [1, 5]. Resolves to its wall time (ms). */
async function ansible(hosts: LabHost[]): Promise<{ wallMs: number; downtimes: number[] }> {
  const dir = await mkdtemp(path.join(tmpdir(), "kcm-bench-ansible-"));
  // What yum would install: the exact versions, as the helper takes them (checked before timing).
  const specs = await Promise.all(
    hosts.map(async (host) => {
      const check = await checkHost(checkTargetOf(host), {
        connect: sshConnector([sshTargetOf(host)]),
        commandTimeoutMs: 60_000,
      });
      return (check.pending ?? []).map((p) => packageSpec(p)).join(" ");
    }),
  );
  const inventory = [
    "[kcm]",
    ...hosts.map(
      (h, i) =>
        `${h.name} ansible_host=${h.address} ansible_port=${h.port} ansible_user=${h.user} ansible_ssh_private_key_file=${labPaths.clientKey} ansible_python_interpreter=/usr/bin/python3 ansible_ssh_common_args='-o UserKnownHostsFile=${h.knownHostsPath} -o StrictHostKeyChecking=yes' helper=${h.helperPath} specs='${specs[i]}'`,
    ),
  ].join("\n");
  const playbook = `- hosts: kcm
  gather_facts: false
  serial: [1, ${BATCH}]
  max_fail_percentage: 0
  tasks:
    - name: Stop KCM
      command: "sudo -n {{ helper }} stop standalone"
    - name: Upgrade kcm-*
      command: "sudo -n {{ helper }} upgrade {{ specs }}"
    - name: Start KCM
      command: "sudo -n {{ helper }} start standalone"
`;
  await writeFile(path.join(dir, "hosts.ini"), `${inventory}\n`);
  await writeFile(path.join(dir, "upgrade.yml"), playbook);
  let wallMs = 0;
  try {
    const downtimes = await watched(hosts, async () => {
      const started = performance.now();
      const run = await runCommand(
        "ansible-playbook",
        ["-i", path.join(dir, "hosts.ini"), path.join(dir, "upgrade.yml")],
        {
          env: {
            ...process.env,
            ANSIBLE_FORKS: String(BATCH),
            ANSIBLE_PIPELINING: "True",
            ANSIBLE_HOST_KEY_CHECKING: "True",
            ANSIBLE_LOCAL_TEMP: path.join(dir, "tmp"),
          },
        },
      );
      wallMs = performance.now() - started;
      if (run.code !== 0) throw new Error(`ansible-playbook: ${run.stdout}\n${run.stderr}`);
    });
    return { wallMs, downtimes };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** kcm-chatops from Slack: the command, one approval, the rollout to its end. */
async function chatops(hosts: LabHost[], redisUrl: string) {
  const h = new BotHarness(redisUrl, hosts, ALWAYS_OPEN_WINDOW, {
    fleet: { hosts: names, rollout: { canary: 1, maxParallel: BATCH } },
  });
  await h.start({ worker: false });
  try {
    // Two worker processes, as a deployment scales out (each runs 4 jobs at once).
    await Promise.all([1, 2].map(() => h.startWorker()));
    const from = Date.now();
    let wallMs = 0;
    let rootTs = "";
    let requestId = "";
    const downtimes = await watched(hosts, async () => {
      await h.command(ALICE, "upgrade fleet");
      const root = await h.requestRoot("fleet");
      rootTs = root.ts;
      requestId = /\((r-[a-z0-9]+)\)/.exec(root.text)?.[1] ?? "";
      const started = performance.now();
      await h.click(BOB, REQUEST_ACTIONS.approve, root, "approve");
      await h.workers.until(
        async () =>
          (await new RedisAuditLog(h.workers.redis, h.workers.keys).read()).some(
            (e) => e["requestId"] === requestId && e["what"] === "rollout-finished",
          ),
        1_200_000,
        "the rollout's end",
      );
      wallMs = performance.now() - started;
    });
    await h.workers.until(
      () => h.fake.thread(CHANNEL, rootTs).some((m) => m.text.includes("Rollout of `fleet` over")),
      120_000,
      "the summary in the thread",
    );
    // Let the last coalesced edit go out.
    await new Promise((r) => setTimeout(r, 5000));
    const calls = h.fake.calls.filter((c) => c.at >= from);
    const api = calls.filter((c) => c.method !== "response" && c.method !== "upload");
    const lag = await rootLag(h, requestId, rootTs);
    return {
      wallMs,
      downtimes,
      apiCalls: api.length,
      uploads: calls.length - api.length,
      ...lag,
      byMethod: countBy(api.map((c) => c.method)),
    };
  } finally {
    await h.stop();
  }
}

function countBy(items: string[]): string {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(item, (counts.get(item) ?? 0) + 1);
  return [...counts].map(([k, n]) => `${k} ${n}`).join(", ");
}

/**
 * How far the root message was behind the workers: for each host's start
 * (its first step) and end (its outcome, in the audit stream), the time until
 * a chat.update of the root showed it. The largest, and the median.
 */
async function rootLag(h: BotHarness, requestId: string, rootTs: string) {
  const audit = await new RedisAuditLog(h.workers.redis, h.workers.keys).read();
  const updates = h.fake
    .callsTo("chat.update")
    .filter((c) => c.args["ts"] === rootTs)
    .map((c) => ({ at: c.at, text: JSON.stringify(c.args["blocks"] ?? "") }));
  const lags: number[] = [];
  const detail: string[] = [];
  for (const name of names) {
    const events = audit.filter((e) => e["requestId"] === requestId && e["host"] === name);
    const atOf = (e: Record<string, string> | undefined) =>
      Number((e?.["id"] ?? "0-0").split("-")[0]);
    const started = atOf(events.find((e) => e["what"] === "step-started"));
    // The job's outcome (job-upgraded, job-failed...), not its start or a hand-back.
    const ended = atOf(events.find((e) => /^job-(?!started$|handed-back$)/.test(e["what"] ?? "")));
    const shown = (at: number, test: (text: string) => boolean) =>
      updates.find((u) => u.at >= at && test(u.text))?.at;
    const runningShown = shown(
      started,
      (t) => t.includes(`\`${name}\` running`) || t.includes(`\`${name}\` upgraded`),
    );
    const endShown = shown(ended, (t) => t.includes(`\`${name}\` upgraded`));
    if (runningShown !== undefined) lags.push(runningShown - started);
    lags.push(endShown === undefined ? Number.POSITIVE_INFINITY : endShown - ended);
    if (process.env["BENCH_VERBOSE"]) {
      detail.push(
        `${name}: started +${((runningShown ?? Number.NaN) - started) / 1000} s, ended +${((endShown ?? Number.NaN) - ended) / 1000} s`,
      );
    }
  }
  if (detail.length > 0) console.log(detail.join("\n"));
  if (process.env["BENCH_VERBOSE"]) {
    const t0 = updates[0]?.at ?? 0;
    console.log(
      `root edits at (s): ${updates.map((u) => ((u.at - t0) / 1000).toFixed(1)).join(" ")}`,
    );
  }
  lags.sort((a, b) => a - b);
  return {
    maxLagMs: lags.at(-1) ?? 0,
    medianLagMs: lags[Math.floor(lags.length / 2)] ?? 0,
    rootEdits: updates.length,
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

await ensureAnsible();
await buildLab();
const redis = await startOwnRedis(["--appendonly", "yes", "--maxmemory-policy", "noeviction"]);
const server = await startLabRepoServer({ bytesPerSecond: RATE });
try {
  const baseHosts = await freshHosts(server.url);
  const base = await ansible(baseHosts).finally(() =>
    Promise.all(baseHosts.map((h) => h.destroy())),
  );
  const ourHosts = await freshHosts(server.url);
  const ours = await chatops(ourHosts, redis.url).finally(() =>
    Promise.all(ourHosts.map((h) => h.destroy())),
  );
  console.log(
    `rollout of ${HOSTS} lab hosts, 2.24.1 → 2.25.0 (8 MiB each) from one mirror at ${(RATE / 1024 / 1024).toFixed(1)} MiB/s, canary 1 then ${BATCH} at a time (node ${process.version})`,
  );
  console.log("                               wall time   downtime median   downtime max");
  console.log(
    `  Ansible, serial [1, ${BATCH}] (baseline)  ${s(base.wallMs).padStart(8)}   ${s(median(base.downtimes)).padStart(15)}   ${s(Math.max(...base.downtimes)).padStart(12)}`,
  );
  console.log(
    `  kcm-chatops rollout          ${s(ours.wallMs).padStart(8)}   ${s(median(ours.downtimes)).padStart(15)}   ${s(Math.max(...ours.downtimes)).padStart(12)}`,
  );
  console.log(
    `  ratios kcm-chatops / Ansible: wall ${(ours.wallMs / base.wallMs).toFixed(2)}, median downtime ${(median(ours.downtimes) / median(base.downtimes)).toFixed(2)}`,
  );
  console.log(
    `  Slack API calls, command to summary: ${ours.apiCalls} (${ours.byMethod}); plus ${ours.uploads} non-API requests (file bodies, response URLs)`,
  );
  console.log(
    `  root message behind the workers: max ${s(ours.maxLagMs)}, median ${s(ours.medianLagMs)}, over ${ours.rootEdits} edits`,
  );
} finally {
  await server.stop();
  await redis.stop();
}
