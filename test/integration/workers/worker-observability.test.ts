import { expect, it } from "vitest";
import { createLabHost } from "../../lab/lab.js";
import { describeLabWithRedis } from "../../support/describe-lab-with-redis.js";
import { freePort } from "../../support/free-port.js";
import { harnessOnOwnRedisPerTest, harnessPerTest } from "../../support/harness-per-test.js";
import { UPGRADE_STEPS, type WorkerProcess } from "../../support/worker-harness.js";

/** The worker's log lines (JSON) whose message contains `text`. */
function logged(worker: WorkerProcess, text: string): Record<string, unknown>[] {
  return worker.lines
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((entry) => String(entry["msg"]).includes(text));
}

describeLabWithRedis("the worker's health, metrics and logs", (redisUrl) => {
  const setUp = harnessPerTest(redisUrl);
  const setUpOnOwnRedis = harnessOnOwnRedisPerTest();

  it("serves /healthz and /metrics: jobs by state, and each step's duration after a job", async () => {
    const host = await createLabHost({ name: "metrics", release: "2.23.1", publish: ["2.24.1"] });
    const h = await setUp(host);
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
    // The inventory needs a host; no job runs on it.
    const { h, redis } = await setUpOnOwnRedis({ name: "healthz", release: "2.23.1" });
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
    await redis.kill();
    await h.until(async () => (await healthz()).status === 503, 15_000, "/healthz to fail");
    const away = await healthz();
    expect(away.body.status).toBe("failing");
    expect(away.body.redis).not.toBe("ok");
    // Scrapes still answer, without the queues' counts.
    const metrics = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).not.toContain('kcm_queue_jobs{queue="kcm-upgrades"');

    await redis.restart();
    await h.until(async () => (await healthz()).status === 200, 30_000, "/healthz to recover");
  });
});
