import { afterAll, beforeAll, expect, it } from "vitest";
import { verifyAuditChain } from "../../../src/store/verify-audit-chain.js";
import { createLabHost, type LabHost } from "../../lab/lab.js";
import { describeLab } from "../../support/describe-lab.js";
import {
  type RedisSentinelSet,
  SENTINEL_NAME,
  startRedisSentinel,
} from "../../support/start-redis-sentinel.js";
import { messagesOf, UpgradeHarness } from "../../support/worker-harness.js";

/**
 * Redis behind Sentinel (Debian's redis-sentinel: a primary, a replica, three
 * sentinels on loopback). The primary is killed in the middle of an upgrade;
 * the sentinels promote the replica, and the worker follows them.
 */
describeLab("a worker on Redis behind Sentinel, failed over mid-upgrade", () => {
  let set: RedisSentinelSet;
  let host: LabHost;
  let h: UpgradeHarness;

  beforeAll(async () => {
    set = await startRedisSentinel();
    host = await createLabHost({ name: "sentinel", release: "2.23.1", publish: ["2.24.1"] });
    h = new UpgradeHarness("", [host], undefined, {
      sentinels: set.sentinels,
      name: SENTINEL_NAME,
    });
    await h.setUp();
  });
  afterAll(async () => {
    // Each part is stopped even when another fails (a client cut off mid-failover).
    try {
      await h?.tearDown();
    } finally {
      try {
        await host?.destroy();
      } finally {
        await set?.stop();
      }
    }
  });

  it("the upgrade finishes, nothing is lost, and the audit chain verifies", {
    timeout: 150_000,
  }, async () => {
    await host.fault("slow-upgrade", 4);
    await h.enqueue("req-failover", host, await h.planFor(host));
    const worker = await h.startWorker();
    await h.until(
      () => h.journalShows("req-failover", "upgrade", "started"),
      30_000,
      "yum to start",
    );
    const before = await set.primaryPort();
    const after = await set.failOver();
    expect(after).not.toBe(before);

    const job = await h.finished("req-failover", 90_000);
    expect(job.returnvalue, `${job.failedReason}\n${messagesOf(worker).join("\n")}`).toMatchObject({
      kind: "upgraded",
      transactionId: 2,
    });
    expect(await host.lastTransaction()).toBe(2);
    expect(await host.unitState("guacamole")).toBe("active");
    // The journal on the new primary shows yum started once.
    const journal = await h.journal("req-failover");
    expect(journal.filter((e) => e.step === "upgrade" && e.event === "started")).toHaveLength(1);
    // What asynchronous replication lost (if anything) leaves no false "tampered".
    const verdict = await verifyAuditChain(h.redis, h.keys.audit);
    expect(verdict).toMatchObject({ ok: true });
    expect(messagesOf(worker).join("\n")).not.toContain("Unhandled error event");
  });
});
