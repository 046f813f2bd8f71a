/**
 * The chaos suite: faults at random and at aimed moments of a real upgrade
 * (lab host 2.23.1 → 2.24.1, real worker processes, a Redis of its own),
 * each trial on a fresh host, one row per trial, then the totals:
 * - kill -9 of the worker running the job at a random moment across the
 *   upgrade, with a second worker alive (N trials, default 30);
 * - kill -9 aimed at the moment its outcome is journaled, and during a slow
 *   yum transaction (the takeover meets a yum still running);
 * - SIGTERM to the worker mid-downtime (it starts the services and exits);
 * - kill -9 of Redis mid-upgrade, back on its AOF after 3 s;
 * - the host's sshd killed during yum, stop/start and verify, back after
 *   10 s, and twice away for 3 minutes;
 * - and, as the baseline for takeover, kill -9 mid-downtime with the job lock
 *   the workers had before (30 s, stalled check every 30 s).
 * Extra downtime is what a trial's outage (the web application not
 * answering, watched from outside every 100 ms) exceeds the median of clean
 * upgrades measured first, in the same run.
 *   npm run bench:chaos [-- kills [sshdAwayS]]     (root, like the lab)
 */
import { setTimeout as sleep } from "node:timers/promises";
import { buildLab } from "../test/lab/lab.js";
import { startOwnRedis } from "../test/support/start-own-redis.js";
import { ChaosLab, type Inject, type TrialResult } from "./chaos-lab.js";

const KILLS = Number(process.argv[2] ?? 30);
const SSHD_AWAY_LONG_S = Number(process.argv[3] ?? 180);
/** Clean upgrades without a slow rpm transaction, for the baseline. */
const CLEAN = 3;

const percentile = (xs: number[], p: number) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
};
const median = (xs: number[]) => percentile(xs, 50);
const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** kill -9 of the job's worker once `when` resolves; the replacement starts at once. */
const killWorker =
  (
    when: (lab: ChaosLab, id: string) => Promise<void>,
    signal: NodeJS.Signals = "SIGKILL",
  ): Inject =>
  async (lab, id) => {
    await lab.running(id);
    await when(lab, id);
    const worker = lab.holder(id);
    const phase = await lab.phase(id);
    if (!worker) throw new Error("no worker holds the job");
    worker.child.kill(signal);
    if (signal === "SIGKILL") {
      await worker.exited;
      await lab.ensureWorkers(2);
    }
    return phase;
  };

/** The host's sshd killed once the journal holds `step` `event`, back after `awayS`. */
const killSshd =
  (step: string, event: string, awayS: number): Inject =>
  async (lab, id) => {
    await lab.at(id, step, event);
    const phase = await lab.phase(id);
    await lab.host.killSshd();
    await sleep(awayS * 1000);
    await lab.host.startSshd();
    return phase;
  };

await buildLab();
const redis = await startOwnRedis(["--appendonly", "yes", "--maxmemory-policy", "noeviction"]);
const lab = new ChaosLab(redis);
const rows: TrialResult[] = [];
const extras = new Map<TrialResult, number>();
const print = (r: TrialResult, extraMs: number) =>
  console.log(
    [
      String(rows.length).padStart(3),
      r.kind.padEnd(22),
      r.phase.padEnd(18).slice(0, 18),
      r.job.padEnd(12).slice(0, 24),
      (r.servicesUp ? "up" : "DOWN").padEnd(5),
      (r.versionsNew ? "2.24.1" : "OLD/MIXED").padEnd(9),
      String(r.transactions).padStart(3),
      (r.lockLeft ? "LEFT" : "free").padEnd(5),
      s(r.downMs).padStart(8),
      `${extraMs >= 0 ? "+" : ""}${s(extraMs)}`.padStart(9),
    ].join("  "),
  );
try {
  await lab.setUp();
  lab.useWorkerEnv({});
  // Clean upgrades first: their downtime is the baseline of "extra", per
  // slow-upgrade setting (a slow rpm transaction is downtime of its own);
  // their length (job running → job ended) is the span random kills fall in.
  const baselines = new Map<number, number>();
  const lengths: number[] = [];
  for (const slow of [0, 2, 3, 4]) {
    const downs: number[] = [];
    for (let i = 0; i < (slow === 0 ? CLEAN : 2); i++) {
      let running = 0;
      const r = await lab.trial(
        "clean",
        async (l, id) => {
          await l.running(id);
          running = performance.now();
          return "none";
        },
        { slowUpgradeS: slow },
      );
      // The trial waits a second after the job ends.
      if (slow === 0) lengths.push(performance.now() - running - 1000);
      downs.push(r.downMs);
    }
    baselines.set(slow, median(downs));
  }
  const base = baselines.get(0) ?? 0;
  const span = median(lengths);
  const durations: number[] = [];
  console.log(
    `chaos: lab host 2.23.1 → 2.24.1, two workers (job lock 5 s, renewed every 1 s, stalled check 1.5 s), node ${process.version}`,
  );
  console.log(
    `clean upgrades: downtime ${[...baselines].map(([slow, ms]) => `${s(ms)}${slow ? ` with a ${slow} s rpm transaction` : ""}`).join(", ")} (medians); a job runs ${s(span)}`,
  );
  console.log(
    "  #  trial                   phase hit           job           svc    versions  yum  lock   downtime     extra",
  );
  const run = async (
    kind: string,
    inject: Inject,
    options: { slowUpgradeS?: number; timeoutMs?: number } = {},
  ) => {
    const started = performance.now();
    const r = await lab.trial(kind, inject, options);
    durations.push(performance.now() - started);
    const extraMs = r.downMs - (baselines.get(options.slowUpgradeS ?? 0) ?? base);
    rows.push(r);
    extras.set(r, extraMs);
    print(r, extraMs);
    return r;
  };

  for (let i = 0; i < KILLS; i++) {
    const delay = Math.random() * span;
    await run(
      "worker kill -9, random",
      killWorker(() => sleep(delay)),
    );
  }
  for (let i = 0; i < 2; i++) {
    await run(
      "worker kill -9, outcome",
      killWorker(async (l, id) => {
        while (!(await l.harness.journal(id)).some((e) => e.event === "outcome")) await sleep(2);
      }),
    );
  }
  for (let i = 0; i < 2; i++) {
    await run(
      "worker kill -9, slow yum",
      killWorker(async (l, id) => {
        await l.at(id, "upgrade", "started");
        await sleep(1000);
      }),
      { slowUpgradeS: 4 },
    );
  }
  for (let i = 0; i < 3; i++) {
    await run(
      "worker SIGTERM, downtime",
      killWorker((l, id) => l.at(id, "stop", "finished"), "SIGTERM"),
      { slowUpgradeS: 2 },
    );
  }
  for (let i = 0; i < 3; i++) {
    await run(
      "redis kill -9, 3 s",
      async (l, id) => {
        await l.at(id, "upgrade", "started");
        const phase = await l.phase(id);
        await l.redis.kill();
        await sleep(3000);
        await l.redis.restart();
        return phase;
      },
      { slowUpgradeS: 2 },
    );
  }
  await run("sshd kill, yum, 10 s", killSshd("upgrade", "started", 10), { slowUpgradeS: 3 });
  await run("sshd kill, yum, 10 s", killSshd("upgrade", "started", 10), { slowUpgradeS: 3 });
  await run("sshd kill, stop, 10 s", killSshd("stop", "started", 10));
  await run("sshd kill, start, 10 s", killSshd("start", "started", 10));
  await run("sshd kill, verify, 10 s", killSshd("verify", "started", 10));
  await run("sshd kill, verify, 10 s", killSshd("verify", "started", 10));
  for (let i = 0; i < 2; i++) {
    await run(
      `sshd kill, yum, ${SSHD_AWAY_LONG_S} s`,
      killSshd("upgrade", "started", SSHD_AWAY_LONG_S),
      {
        slowUpgradeS: 3,
        timeoutMs: (SSHD_AWAY_LONG_S + 120) * 1000,
      },
    );
  }

  // The takeover before: the job lock the workers had (30 s, stalled check every 30 s).
  const after = rows.filter(
    (r) => r.kind.startsWith("worker kill -9") && /^(stop|upgrade|start) /.test(r.phase),
  );
  await lab.stopWorkers();
  lab.useWorkerEnv({
    KCM_JOB_LOCK_MS: "30000",
    KCM_JOB_LOCK_RENEW_MS: "15000",
    KCM_STALLED_INTERVAL_MS: "30000",
  });
  const before: TrialResult[] = [];
  for (let i = 0; i < 3; i++) {
    before.push(
      await run(
        "OLD LOCK: kill -9, yum",
        killWorker((l, id) => l.at(id, "upgrade", "started")),
        { slowUpgradeS: 2, timeoutMs: 180_000 },
      ),
    );
  }

  const chaos = rows.filter((r) => !r.kind.startsWith("OLD"));
  const extraOf = (list: TrialResult[]) => list.map((r) => Math.max(0, extras.get(r) ?? 0));
  const extra = extraOf(chaos);
  const workerFaults = extraOf(chaos.filter((r) => r.kind.startsWith("worker")));
  const kills = rows.filter((r) => r.kind.startsWith("worker kill"));
  const sshd = rows.filter((r) => r.kind.startsWith("sshd"));
  console.log("");
  console.log(
    `totals over ${chaos.length} trials (${kills.length} worker kills, ${sshd.length} sshd kills, 3 SIGTERMs, 3 Redis kills):`,
  );
  console.log(`  services left down      ${chaos.filter((r) => !r.servicesUp).length}`);
  console.log(`  double transactions     ${chaos.filter((r) => r.transactions > 1).length}`);
  console.log(`  not at the new version  ${chaos.filter((r) => !r.versionsNew).length}`);
  console.log(
    `  jobs lost or stuck      ${chaos.filter((r) => r.job === "lost" || r.job.startsWith("stuck")).length}`,
  );
  console.log(
    `  jobs failed             ${chaos.filter((r) => r.job.startsWith("failed")).length}`,
  );
  console.log(`  locks left              ${chaos.filter((r) => r.lockLeft).length}`);
  console.log(
    `  extra downtime          p50 ${s(percentile(extra, 50))}, p95 ${s(percentile(extra, 95))}, max ${s(Math.max(...extra))} (all trials, sshd's own absence included)`,
  );
  console.log(
    `                          p50 ${s(percentile(workerFaults, 50))}, p95 ${s(percentile(workerFaults, 95))}, max ${s(Math.max(...workerFaults))} (worker kills and SIGTERMs)`,
  );
  const afterExtra = extraOf(after);
  const beforeExtra = extraOf(before);
  console.log(
    `takeover (worker kill -9 while the services are stopped), extra downtime: now (5 s lock) p50 ${s(median(afterExtra))}, p95 ${s(percentile(afterExtra, 95))}, max ${s(Math.max(...afterExtra, 0))} over ${after.length} trials; before (30 s lock) p50 ${s(median(beforeExtra))}, max ${s(Math.max(...beforeExtra))} over ${before.length}`,
  );
  console.log(`trials took ${s(durations.reduce((a, b) => a + b, 0))} in all`);
} finally {
  await lab.stopWorkers().catch(() => {});
  await lab.harness?.tearDown().catch(() => {});
  await lab.host?.destroy().catch(() => {});
  await redis.stop();
}
