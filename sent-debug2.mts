import { createLabHost } from "./test/lab/lab.js";
import { SENTINEL_NAME, startRedisSentinel } from "./test/support/start-redis-sentinel.js";
import { messagesOf, UpgradeHarness } from "./test/support/worker-harness.js";

const set = await startRedisSentinel();
const host = await createLabHost({ name: "sentinel", release: "2.23.1", publish: ["2.24.1"] });
const h = new UpgradeHarness("", [host], undefined, {
  sentinels: set.sentinels,
  name: SENTINEL_NAME,
});
let w;
try {
  await h.setUp();
  await host.fault("slow-upgrade", 4);
  await h.enqueue("req-x", host, await h.planFor(host));
  w = await h.startWorker();
  console.log("worker ready");
  await h.until(
    async () =>
      (await h.journal("req-x")).some((e) => e.step === "upgrade" && e.event === "started"),
    30000,
    "yum",
  );
  console.log("failover", await set.failOver(), new Date().toISOString());
  const job = await h.finished("req-x", 40000);
  console.log(job.returnvalue?.kind, job.failedReason);
} catch (e) {
  console.log("ERR", String(e).slice(0, 300));
} finally {
  console.log(
    messagesOf(w)
      .filter((m) => !m.includes("▶"))
      .join("\n"),
  );
  await h.tearDown();
  await host.destroy();
  await set.stop();
}
