import { expect, it } from "vitest";
import { startLabRepoServer } from "../../lab/lab.js";
import { describeLab } from "../../support/describe-lab.js";
import { freePort } from "../../support/free-port.js";
import { harnessOnOwnRedisPerTest } from "../../support/harness-per-test.js";
import { messagesOf, type WorkerProcess } from "../../support/worker-harness.js";

/**
 * Redis goes away (kill -9) under a worker in the middle of an upgrade, and
 * comes back on its append-only file. A worker never starts a destructive
 * step without its journal, never leaves the services down, and journals
 * what it did once Redis is back; it says so once each way.
 */
describeLab("a worker whose Redis goes away mid-upgrade", () => {
  const setUpOnOwnRedis = harnessOnOwnRedisPerTest();
  const setUp = (name: string) => setUpOnOwnRedis({ name, release: "2.23.1", publish: ["2.24.1"] });

  const count = (worker: WorkerProcess, pattern: RegExp) =>
    messagesOf(worker).filter((m) => pattern.test(m)).length;

  it("gone during yum: the worker starts the services without it, and finishes once it is back", async () => {
    const { host, h, redis } = await setUp("redis-yum");
    await host.fault("slow-upgrade", 4);
    await h.enqueue("req-outage", host, await h.planFor(host));
    const port = await freePort();
    const worker = await h.startWorker({ KCM_METRICS_PORT: String(port) });
    await h.until(() => h.journalShows("req-outage", "upgrade", "started"), 30_000, "yum to start");
    await redis.kill();

    // yum finishes on the host; the worker cannot journal it, so it brings the services back.
    const deadline = Date.now() + 30_000;
    let version = "";
    while (Date.now() < deadline && version !== "2.24.1-1.el8") {
      version = await host.webStatus().then(
        (s) => s.version,
        () => "",
      );
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(version).toBe("2.24.1-1.el8");
    expect(await host.unitState("guacd")).toBe("active");
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({ redis: expect.stringMatching(/^not connected/) });

    await redis.restart();
    const job = await h.finished("req-outage", 60_000);
    expect(job.returnvalue).toMatchObject({ kind: "upgraded", transactionId: 2 });
    expect(await host.lastTransaction()).toBe(2);
    expect(await host.unitState("guacamole")).toBe("active");
    // What the worker did while Redis was away is in the journal now.
    expect(await h.journalShows("req-outage", "upgrade", "finished")).toBe(true);
    const said = messagesOf(worker).filter((m) => m.startsWith("upgrade-worker: redis:"));
    expect(said, said.join("\n")).toHaveLength(2);
    expect(count(worker, /^upgrade-worker: redis: lost the connection to Redis/)).toBe(1);
    expect(count(worker, /^upgrade-worker: redis: connected again after \d+\.\d s$/)).toBe(1);
    expect(worker.lines.join("\n")).not.toContain("Unhandled error event");
  });

  it("gone before the stop: nothing is stopped while it is away; the upgrade goes on once it is back", async () => {
    const { host, h, redis } = await setUp("redis-prefetch");
    // A prefetch that takes seconds: 2.25.0's 8 MiB at 2 MiB/s.
    const mirror = await startLabRepoServer({ bytesPerSecond: 2 * 1024 * 1024 });
    try {
      await host.publish("2.25.0", { baseUrl: mirror.url });
      await h.enqueue("req-early", host, await h.planFor(host));
      const before = await host.webStatus();
      await h.startWorker();
      await h.until(
        () => h.journalShows("req-early", "prefetch", "started"),
        30_000,
        "the prefetch",
      );
      await redis.kill();
      // The prefetch ends meanwhile; the stop, which needs the journal, must not happen.
      await new Promise((r) => setTimeout(r, 8000));
      expect(await host.webStatus()).toEqual(before);
      await redis.restart();
      const job = await h.finished("req-early", 90_000);
      expect(job.returnvalue).toMatchObject({ kind: "upgraded" });
      expect((await host.webStatus()).version).toBe("2.25.0-1.el8");
    } finally {
      await mirror.stop();
    }
  });

  it("SIGTERM while Redis is away: the worker exits within 5 s", async () => {
    const { h, redis } = await setUp("redis-term");
    const worker = await h.startWorker();
    await redis.kill();
    await h.until(
      () => messagesOf(worker).some((m) => m.includes("lost the connection to Redis")),
      10_000,
      "the worker to notice",
    );
    const started = Date.now();
    worker.child.kill("SIGTERM");
    expect(await worker.exited).toBe(0);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
