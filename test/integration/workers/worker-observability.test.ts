import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, expect, it } from "vitest";
import { createLabHost, type LabHost } from "../../lab/lab.js";
import { describeLabWithRedis } from "../../support/describe-lab-with-redis.js";
import { UPGRADE_STEPS, UpgradeHarness, type WorkerProcess } from "../../support/worker-harness.js";

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** The worker's log lines (JSON) whose message contains `text`. */
function logged(worker: WorkerProcess, text: string): Record<string, unknown>[] {
  return worker.lines
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((entry) => String(entry["msg"]).includes(text));
}

describeLabWithRedis("the worker's health, metrics and logs", (redisUrl) => {
  let harness: UpgradeHarness | undefined;
  const hosts: LabHost[] = [];
  afterEach(async () => {
    await harness?.tearDown();
    harness = undefined;
    await Promise.all(hosts.splice(0).map((h) => h.destroy()));
  });

  it("serves /healthz and /metrics: jobs by state, and each step's duration after a job", async () => {
    const host = await createLabHost({ name: "metrics", release: "2.23.1", publish: ["2.24.1"] });
    hosts.push(host);
    const h = new UpgradeHarness(redisUrl, [host]);
    harness = h;
    await h.setUp();
    const port = await freePort();
    const worker = await h.startWorker({ KCM_METRICS_PORT: String(port) });
    const base = `http://127.0.0.1:${port}`;

    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({
      status: "ok",
      redis: "ok",
      workers: { "kcm-upgrades": "running" },
    });
    const before = await (await fetch(`${base}/metrics`)).text();
    expect(before).toContain("# TYPE kcm_queue_jobs gauge");
    expect(before).toContain('kcm_queue_jobs{queue="kcm-upgrades",state="completed"} 0');
    expect(before).toContain("process_resident_memory_bytes");

    await h.enqueue("req-metrics", host, await h.planFor(host));
    expect((await h.finished("req-metrics")).returnvalue).toMatchObject({ kind: "upgraded" });
    const after = await (await fetch(`${base}/metrics`)).text();
    expect(after).toContain('kcm_queue_jobs{queue="kcm-upgrades",state="completed"} 1');
    for (const step of UPGRADE_STEPS) {
      expect(after).toContain(
        `kcm_runbook_step_duration_seconds_count{step="${step}",result="ok"} 1`,
      );
    }
    expect(after).toMatch(
      /kcm_runbook_step_duration_seconds_sum\{step="upgrade",result="ok"\} \d+\.\d+/,
    );
    expect(after).toContain('kcm_runbook_outcomes_total{outcome="upgraded"} 1');

    // JSON lines, the human sentence in msg: the console reporter's and the worker's own.
    expect(logged(worker, "ready (")[0]).toMatchObject({ level: "info", name: "upgrade-worker" });
    expect(logged(worker, `health and metrics on ${base}/healthz`)).toHaveLength(1);
    expect(logged(worker, "[req-metrics metrics] ▶ upgrade")).toHaveLength(1);
    expect(logged(worker, "job req-metrics completed")[0]).toMatchObject({ job: "req-metrics" });
  });

  it("answers 503 while its Redis is away, and 200 again once it is back", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "kcm-health-"));
    const redisPort = await freePort();
    const startRedis = () =>
      spawn(
        "redis-server",
        ["--bind", "127.0.0.1", "--port", String(redisPort), "--dir", dir, "--save", ""],
        { stdio: "ignore" },
      );
    let redis: ChildProcess = startRedis();
    try {
      // The inventory needs a host; no job runs on it.
      const host = await createLabHost({ name: "healthz", release: "2.23.1" });
      hosts.push(host);
      const h = new UpgradeHarness(`redis://127.0.0.1:${redisPort}`, [host]);
      harness = h;
      await h.until(
        async () => (await h.redis.ping().catch(() => "")) === "PONG",
        10_000,
        "the private Redis",
      );
      await h.setUp();
      const port = await freePort();
      await h.startWorker({ KCM_METRICS_PORT: String(port) });
      const healthz = () =>
        fetch(`http://127.0.0.1:${port}/healthz`).then(async (r) => ({
          status: r.status,
          body: (await r.json()) as { status: string; redis: string },
        }));
      expect((await healthz()).status).toBe(200);

      // The harness's own queue complains on stderr while Redis is away: not what is tested.
      h.queue.on("error", () => {});
      redis.kill("SIGKILL");
      await h.until(async () => (await healthz()).status === 503, 15_000, "/healthz to fail");
      const away = await healthz();
      expect(away.body.status).toBe("failing");
      expect(away.body.redis).not.toBe("ok");
      // Scrapes still answer, without the queues' counts.
      const metrics = await fetch(`http://127.0.0.1:${port}/metrics`);
      expect(metrics.status).toBe(200);
      expect(await metrics.text()).not.toContain('kcm_queue_jobs{queue="kcm-upgrades"');

      redis = startRedis();
      await h.until(async () => (await healthz()).status === 200, 30_000, "/healthz to recover");
    } finally {
      await harness?.tearDown();
      harness = undefined;
      redis.kill("SIGTERM");
      await rm(dir, { recursive: true, force: true });
    }
  });
});
