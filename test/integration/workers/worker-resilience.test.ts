import { expect, it } from "vitest";
import { createLabHost, type LabHost, startLabRepoServer } from "../../lab/lab.js";
import { describeLabWithRedis } from "../../support/describe-lab-with-redis.js";
import { harnessPerTest } from "../../support/harness-per-test.js";
import { startOwnRedis } from "../../support/start-own-redis.js";
import { messagesOf, UpgradeHarness } from "../../support/worker-harness.js";

/** Upgrade transactions in the host's yum history (the lab's install is transaction 1). */
const lastTransaction = (host: LabHost) => host.lastTransaction();

describeLabWithRedis("workers that die, stop, or share a host", (redisUrl) => {
  const setUp = harnessPerTest(redisUrl);

  it("kill -9 of the worker mid-transaction: another worker finishes the job, one yum transaction", async () => {
    const host = await createLabHost({ name: "killed", release: "2.23.1", publish: ["2.24.1"] });
    const h = await setUp(host);
    await host.fault("slow-upgrade", 4);
    await h.enqueue("req-killed", host, await h.planFor(host));
    const first = await h.startWorker();
    await h.until(
      () => h.journalShows("req-killed", "upgrade", "started"),
      30_000,
      "the upgrade step to start",
    );
    await new Promise((r) => setTimeout(r, 1000));
    first.child.kill("SIGKILL");
    expect(await first.exited).toBe("SIGKILL");
    const second = await h.startWorker();
    const job = await h.finished("req-killed");
    expect(job.returnvalue).toMatchObject({ kind: "upgraded", transactionId: 2 });
    expect(second.lines.join("\n")).toContain("resuming upgrade");
    expect((await host.installed()).get("kcm-guacd")).toBe("2.24.1-1.el8");
    expect(await host.unitState("guacamole")).toBe("active");
    expect(await host.unitState("guacd")).toBe("active");
    expect((await host.webStatus()).version).toBe("2.24.1-1.el8");
    expect(await lastTransaction(host)).toBe(2);
    // The second worker never started a yum transaction of its own.
    const started = (await h.journal("req-killed")).filter(
      (e) => e.step === "upgrade" && e.event === "started",
    );
    expect(started).toHaveLength(1);
  });

  it("two worker processes share one Redis and one fleet: every host upgraded once, the work spread", async () => {
    const made = await Promise.all(
      ["a", "b", "c", "d"].map((n) =>
        createLabHost({ name: `fleet-${n}`, release: "2.23.1", publish: ["2.24.1"] }),
      ),
    );
    const h = await setUp(...made);
    await Promise.all(made.map((host) => host.fault("slow-upgrade", 1)));
    for (const host of made) await h.enqueue(`req-${host.name}`, host, await h.planFor(host));
    const [one, two] = await Promise.all([
      h.startWorker({ KCM_WORKER_CONCURRENCY: "1" }),
      h.startWorker({ KCM_WORKER_CONCURRENCY: "1" }),
    ]);
    const jobs = await Promise.all(made.map((host) => h.finished(`req-${host.name}`)));
    expect(jobs.map((j) => j.returnvalue.kind)).toEqual([
      "upgraded",
      "upgraded",
      "upgraded",
      "upgraded",
    ]);
    for (const host of made) {
      expect((await host.installed()).get("kcm-guacd")).toBe("2.24.1-1.el8");
      expect(await lastTransaction(host)).toBe(2);
    }
    const done = (w: typeof one) =>
      messagesOf(w).filter((l) => /^job req-fleet-\w completed$/.test(l)).length;
    expect(done(one) + done(two)).toBe(4);
    expect(done(one)).toBeGreaterThan(0);
    expect(done(two)).toBeGreaterThan(0);
  });

  it("two jobs for one host at once: one runs, the other waits for the host", async () => {
    const host = await createLabHost({ name: "shared", release: "2.23.1", publish: ["2.24.1"] });
    const h = await setUp(host);
    await host.fault("slow-upgrade", 2);
    const plan = await h.planFor(host);
    await Promise.all([h.enqueue("req-one", host, plan), h.enqueue("req-two", host, plan)]);
    await h.startWorker({ KCM_WORKER_CONCURRENCY: "2" });
    const [one, two] = await Promise.all([h.finished("req-one"), h.finished("req-two")]);
    const kinds = [one.returnvalue.kind, two.returnvalue.kind].sort();
    expect(kinds).toEqual(["up-to-date", "upgraded"]);
    expect(await lastTransaction(host)).toBe(2);
    const audit = await h.redis.xrange(h.keys.audit, "-", "+");
    expect(audit.some(([, f]) => f.includes("waiting-for-host"))).toBe(true);
    // The journals never overlap: the second job began after the first ended.
    const [a, b] = await Promise.all([h.journal("req-one"), h.journal("req-two")]);
    const span = (j: typeof a) => [
      Date.parse(j[0]?.at ?? ""),
      Date.parse(j[j.length - 1]?.at ?? ""),
    ];
    const [first, second] = [span(a), span(b)].sort((x, y) => (x[0] ?? 0) - (y[0] ?? 0));
    expect(first?.[1]).toBeLessThanOrEqual(second?.[0] ?? 0);
  });

  it("SIGTERM: the worker takes no new job, lets the running one finish, then exits 0", async () => {
    const [a, b] = await Promise.all([
      createLabHost({ name: "term-a", release: "2.23.1", publish: ["2.24.1"] }),
      createLabHost({ name: "term-b", release: "2.23.1", publish: ["2.24.1"] }),
    ]);
    const h = await setUp(a as LabHost, b as LabHost);
    await a?.fault("slow-upgrade", 2);
    await h.enqueue("req-term", a as LabHost, await h.planFor(a as LabHost));
    const worker = await h.startWorker({ KCM_WORKER_CONCURRENCY: "1" });
    await h.until(
      () => h.journalShows("req-term", "upgrade", "started"),
      30_000,
      "the upgrade step to start",
    );
    worker.child.kill("SIGTERM");
    await h.until(
      () => worker.lines.some((l) => l.includes("SIGTERM")),
      5000,
      "the worker to hear SIGTERM",
    );
    await h.enqueue("req-after", b as LabHost, await h.planFor(b as LabHost));
    expect(await worker.exited).toBe(0);
    const job = await h.finished("req-term");
    expect(job.returnvalue).toMatchObject({ kind: "upgraded" });
    expect(await (await h.queue.getJob("req-after"))?.getState()).toBe("waiting");
    const order = worker.lines.findIndex((l) => l.includes("job req-term completed"));
    expect(order).toBeGreaterThan(worker.lines.findIndex((l) => l.includes("SIGTERM")));
    expect(messagesOf(worker).at(-1)).toBe("upgrade-worker: stopped");
  });

  it("SIGTERM before the stop: the job goes back to the queue untouched, and another worker does it", async () => {
    const host = await createLabHost({
      name: "term-early",
      release: "2.23.1",
      publish: ["2.24.1"],
    });
    const h = await setUp(host);
    // A prefetch that takes seconds: 2.25.0's 8 MiB at 2 MiB/s.
    const mirror = await startLabRepoServer({ bytesPerSecond: 2 * 1024 * 1024 });
    try {
      await host.publish("2.25.0", { baseUrl: mirror.url });
      await h.enqueue("req-term-early", host, await h.planFor(host));
      const before = await host.webStatus();
      const first = await h.startWorker();
      await h.until(
        () => h.journalShows("req-term-early", "prefetch", "started"),
        30_000,
        "the prefetch",
      );
      first.child.kill("SIGTERM");
      expect(await first.exited).toBe(0);
      // Nothing was stopped; the job waits for a worker.
      expect(await host.webStatus()).toEqual(before);
      expect(["waiting", "delayed"]).toContain(await h.queue.getJobState("req-term-early"));
      expect(messagesOf(first).some((m) => m.includes("the job goes back to the queue"))).toBe(
        true,
      );
      await h.startWorker();
      const job = await h.finished("req-term-early", 60_000);
      expect(job.returnvalue).toMatchObject({ kind: "upgraded" });
      expect((await host.webStatus()).version).toBe("2.25.0-1.el8");
    } finally {
      await mirror.stop();
    }
  });
});

describeLabWithRedis("the worker and its Redis", () => {
  it("refuses to start on a Redis that may evict keys, and says how to fix it", async () => {
    const redis = await startOwnRedis(["--maxmemory-policy", "allkeys-lru"]);
    try {
      // A valid inventory (its host is never reached): only Redis is wrong.
      const inventory = [
        "hosts:",
        "  - name: web1",
        "    address: 127.0.0.1",
        "    user: kcm",
        "    privateKey: /nonexistent/id_ed25519",
        "    hostKey: SHA256:fbvWx7tccquu6uGYCHfGJ2+D72nEbtHlzoDn8lodc9k",
      ].join("\n");
      const h = new UpgradeHarness(redis.url, [], inventory);
      await h.setUp();
      const started = h.startWorker().then(
        () => "ready",
        (e: Error) => e.message,
      );
      const message = await started;
      expect(message).toMatch(/exited \(1\)/);
      expect(message).toContain("maxmemory-policy is allkeys-lru, not noeviction");
      expect(message).toContain("maxmemory-policy noeviction");
      await h.tearDown();
    } finally {
      await redis.stop();
    }
  });
});
