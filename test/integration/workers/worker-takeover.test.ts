import { expect, it } from "vitest";
import { createLabHost } from "../../lab/lab.js";
import { describeLabWithRedis } from "../../support/describe-lab-with-redis.js";
import { harnessPerTest } from "../../support/harness-per-test.js";
import {
  messagesOf,
  type UpgradeHarness,
  type WorkerProcess,
} from "../../support/worker-harness.js";

/**
 * Two workers share the queue; the one running a job stalls (SIGSTOP: an
 * event loop that does not run, as in a long GC pause) while the services
 * are stopped. With the product's job lock (5 s, renewed every second), a
 * 3 s stall is no takeover at all; a 9 s one is, and then the fencing token
 * keeps the stalled worker from touching the host once it runs again.
 */
describeLabWithRedis("a worker that stalls mid-downtime, with another worker alive", (redisUrl) => {
  const setUp = harnessPerTest(redisUrl);

  async function twoWorkersAndAJob(name: string) {
    const host = await createLabHost({ name, release: "2.23.1", publish: ["2.24.1"] });
    const h = await setUp(host);
    await host.fault("slow-upgrade", 4);
    const id = `req-${name}`;
    await h.enqueue(id, host, await h.planFor(host));
    // The product's settings throughout (the harness shortens the host lock's TTL).
    const env = { KCM_WORKER_CONCURRENCY: "1", KCM_HOST_LOCK_TTL_MS: "60000" };
    const workers = await Promise.all([h.startWorker(env), h.startWorker(env)]);
    await h.until(() => h.journalShows(id, "upgrade", "started"), 30_000, "yum to start");
    const holder = workers.find((w) =>
      messagesOf(w).some((m) => m.includes(`[${id} ${name}] ▶ upgrade`)),
    );
    if (!holder) throw new Error("no worker ran the job");
    const other = workers.find((w) => w !== holder) as WorkerProcess;
    return { host, h, id, holder, other };
  }

  const ran = (w: WorkerProcess, id: string) =>
    messagesOf(w).some((m) => m.includes(`[${id} `) && m.includes("resuming"));

  const starts = async (h: UpgradeHarness, id: string) =>
    (await h.journal(id)).filter((e) => e.step === "upgrade" && e.event === "started").length;

  it("3 s: no takeover; the worker goes on and finishes its own job", async () => {
    const { host, h, id, holder, other } = await twoWorkersAndAJob("stall-3s");
    holder.child.kill("SIGSTOP");
    await new Promise((r) => setTimeout(r, 3000));
    holder.child.kill("SIGCONT");
    const job = await h.finished(id, 60_000);
    const said = [...messagesOf(holder), "--- other:", ...messagesOf(other)].join("\n");
    expect(job.returnvalue, `${job.failedReason}\n${said}`).toMatchObject({
      kind: "upgraded",
      transactionId: 2,
    });
    expect(ran(other, id)).toBe(false);
    expect(messagesOf(holder)).toContain(`job ${id} completed`);
    expect(await starts(h, id)).toBe(1);
    expect(await host.lastTransaction()).toBe(2);
  });

  it("9 s: the other worker takes over and finishes; the stalled one, back, is fenced off the host", async () => {
    const { host, h, id, holder, other } = await twoWorkersAndAJob("stall-9s");
    holder.child.kill("SIGSTOP");
    try {
      const job = await h.finished(id, 60_000);
      expect(job.returnvalue).toMatchObject({ kind: "upgraded", transactionId: 2 });
      expect(ran(other, id)).toBe(true);
    } finally {
      holder.child.kill("SIGCONT");
    }
    // Back, the stalled worker meets the fence at its first journal write and stops.
    await h.until(
      () =>
        messagesOf(holder).some((m) =>
          m.endsWith(`${id}: ${host.name}: another worker holds the host now; stopping`),
        ),
      20_000,
      "the stalled worker to meet the fence",
    );
    await new Promise((r) => setTimeout(r, 2000));
    // It sent nothing that changed the host: the services are up, at the new version, one yum.
    expect(await host.unitState("guacamole")).toBe("active");
    expect(await host.unitState("guacd")).toBe("active");
    expect((await host.webStatus()).version).toBe("2.24.1-1.el8");
    expect(await host.lastTransaction()).toBe(2);
    expect(await starts(h, id)).toBe(1);
  });
});
