import { expect, it } from "vitest";
import { createLabHost, type LabHost } from "../../lab/lab.js";
import { describeLabWithRedis } from "../../support/describe-lab-with-redis.js";
import { harnessPerTest } from "../../support/harness-per-test.js";
import { messagesOf, type UpgradeHarness } from "../../support/worker-harness.js";

/**
 * The host's sshd dies while the services are stopped (kill -9 of sshd and
 * its sessions; yum, detached, goes on). The worker keeps trying with
 * backoff, reads the host's real state once sshd is back, and finishes;
 * only when the window and its margin are gone does it give up, loudly.
 */
describeLabWithRedis("a worker whose host's sshd dies mid-upgrade", (redisUrl) => {
  const setUp = harnessPerTest(redisUrl);

  /** Kills sshd once the journal shows `step` `event`, and starts it again after `awayMs`. */
  async function dropAt(
    h: UpgradeHarness,
    host: LabHost,
    id: string,
    step: string,
    event: string,
    awayMs: number,
  ) {
    await h.until(() => h.journalShows(id, step, event), 30_000, `${step} ${event}`);
    await host.killSshd();
    await new Promise((r) => setTimeout(r, awayMs));
    await host.startSshd();
  }

  it("during yum, back after 10 s: yum finished meanwhile; the job finishes, one transaction, services up", async () => {
    const host = await createLabHost({ name: "drop-yum", release: "2.23.1", publish: ["2.24.1"] });
    const h = await setUp(host);
    await host.fault("slow-upgrade", 3);
    await h.enqueue("req-drop-yum", host, await h.planFor(host));
    const worker = await h.startWorker({ KCM_RECONNECT_MAX_DELAY_MS: "2000" });
    await dropAt(h, host, "req-drop-yum", "upgrade", "started", 10_000);
    const job = await h.finished("req-drop-yum", 60_000);
    expect(job.returnvalue).toMatchObject({ kind: "upgraded", transactionId: 2 });
    expect(job.returnvalue.downtimeMs).toBeGreaterThan(10_000);
    expect(await host.lastTransaction()).toBe(2);
    expect((await host.webStatus()).version).toBe("2.24.1-1.el8");
    const said = messagesOf(worker);
    expect(said.some((m) => /lost SSH to the host during upgrade/.test(m))).toBe(true);
    expect(said.some((m) => /SSH is back after \d+\.\d s/.test(m))).toBe(true);
    const journal = await h.journal("req-drop-yum");
    expect(journal.filter((e) => e.step === "upgrade" && e.event === "started")).toHaveLength(1);
    expect(journal).toContainEqual(
      expect.objectContaining({ step: "upgrade", event: "finished", exitCode: 0 }),
    );
    const audit = (await h.redis.xrange(h.keys.audit, "-", "+")).map(([, f]) => f.join(" "));
    expect(audit.filter((a) => a.includes("connection-lost"))).toHaveLength(1);
  });

  it("during the start, which worked: not reported as a failure; the job finishes", async () => {
    const host = await createLabHost({
      name: "drop-start",
      release: "2.23.1",
      publish: ["2.24.1"],
    });
    const h = await setUp(host);
    await h.enqueue("req-drop-start", host, await h.planFor(host));
    await h.startWorker({ KCM_RECONNECT_MAX_DELAY_MS: "2000" });
    await dropAt(h, host, "req-drop-start", "start", "started", 3000);
    const job = await h.finished("req-drop-start", 60_000);
    const said = `${job.failedReason}\n${JSON.stringify(await h.journal("req-drop-start"))}`;
    expect(job.returnvalue, said).toMatchObject({ kind: "upgraded" });
    expect(await host.unitState("guacamole")).toBe("active");
  });

  it("away past the window's end and the margin: gives up, says the services are DOWN and how to start them", async () => {
    const host = await createLabHost({ name: "drop-gone", release: "2.23.1", publish: ["2.24.1"] });
    const h = await setUp(host);
    await host.fault("slow-upgrade", 2);
    const now = Date.now();
    await h.enqueue("req-drop-gone", host, await h.planFor(host), {
      start: new Date(now - 60_000).toISOString(),
      end: new Date(now + 15_000).toISOString(),
    });
    await h.startWorker({ KCM_RECONNECT_MARGIN_MS: "3000", KCM_RECONNECT_MAX_DELAY_MS: "2000" });
    await h.until(() => h.journalShows("req-drop-gone", "upgrade", "started"), 30_000, "yum");
    await host.killSshd();
    try {
      const job = await h.finished("req-drop-gone", 60_000);
      expect(job.failedReason).toMatch(/^upgrade: /);
      const outcome = (await h.journal("req-drop-gone")).find((e) => e.event === "outcome")?.data?.[
        "outcome"
      ] as { services: { state: string }[]; servicesDown?: { commands: string[] } };
      expect(outcome.services.every((s) => s.state.startsWith("unknown"))).toBe(true);
      expect(outcome.servicesDown?.commands[0]).toBe("systemctl start guacamole guacd");
      // It tried until the window's end plus the margin, not less.
      expect(Date.now()).toBeGreaterThan(now + 15_000 + 3000);
    } finally {
      await host.startSshd();
    }
  });
});
