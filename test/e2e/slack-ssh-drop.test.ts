import { expect, it } from "vitest";
import { REQUEST_ACTIONS } from "../../src/slack/blocks/request-blocks.js";
import type { LabHost } from "../lab/lab.js";
import { ALICE, BOB, type BotHarness, botOverLabHost } from "../support/bot-harness.js";
import { describeLabWithRedis } from "../support/describe-lab-with-redis.js";

/**
 * What the thread says when the host's sshd dies while yum runs, and when
 * the worker is killed right after journaling the outcome: what people
 * read, and that each summary shows once.
 */
describeLabWithRedis("the thread through an SSH drop, and a worker lost at the end", (redisUrl) => {
  let host: LabHost;
  let h: BotHarness;

  botOverLabHost(redisUrl, { name: "web-drop", release: "2.23.1", publish: ["2.24.1"] }, (made) => {
    ({ h, host } = made);
  });

  const journalHas = async (id: string, test: (e: { step: string; event: string }) => boolean) =>
    (await h.workers.journal(id)).some(test);

  it("sshd dies mid-yum: 'lost SSH ... retrying', then 'SSH is back', then one summary", async () => {
    await host.fault("slow-upgrade", 3);
    await h.command(ALICE, "upgrade web-drop");
    const root = await h.requestRoot("web-drop");
    const id = /\((r-[a-z0-9]+)\)/.exec(root.text)?.[1] as string;
    await h.click(BOB, REQUEST_ACTIONS.approve, root, "approve-drop");
    await h.workers.until(
      () => journalHas(id, (e) => e.step === "upgrade" && e.event === "started"),
      30_000,
      "yum to start",
    );
    await host.killSshd();
    await new Promise((r) => setTimeout(r, 8000));
    await host.startSshd();
    await h.workers.until(
      () => h.thread(root).some((m) => m.text.startsWith("Upgraded")),
      90_000,
      "the summary",
    );
    const replies = h.thread(root).map((m) => m.text);
    const lost = replies.findIndex((t) =>
      /^:warning: Lost SSH to the host during the upgrade \(upgrade: .+\); retrying until \d{4}-\d\d-\d\d \d\d:\d\d UTC\. The services may be down meanwhile\.$/.test(
        t,
      ),
    );
    const back = replies.findIndex((t) =>
      /^SSH is back after \d+ s: reading the host's state/.test(t),
    );
    expect(lost).toBeGreaterThan(0);
    expect(back).toBeGreaterThan(lost);
    expect(replies.filter((t) => t.startsWith("Upgraded"))).toHaveLength(1);
    expect(replies.at(-1)).toMatch(/^Upgraded 9 packages/);
    await host.fault("slow-upgrade", false);
  });

  it("the worker is killed just after journaling the outcome: the next one reports it, and the summary shows once", async () => {
    await host.publish("2.25.0");
    await h.command(ALICE, "upgrade web-drop");
    const root = await h.requestRoot("web-drop", 1);
    const id = /\((r-[a-z0-9]+)\)/.exec(root.text)?.[1] as string;
    await h.click(BOB, REQUEST_ACTIONS.approve, root, "approve-end");
    const worker = h.worker;
    if (!worker) throw new Error("no worker");
    // Polled every 2 ms: the kill lands before (or as) the worker audits and reports the outcome.
    while (!(await journalHas(id, (e) => e.event === "outcome"))) {
      await new Promise((r) => setTimeout(r, 2));
    }
    worker.child.kill("SIGKILL");
    await worker.exited;
    h.worker = await h.startWorker();
    await h.workers.until(
      async () => (await h.workers.queue.getJobState(id)) === "completed",
      60_000,
      "the job to complete on the next worker",
    );
    await h.workers.until(
      () => h.thread(root).some((m) => m.text.startsWith("Upgraded")),
      30_000,
      "the summary",
    );
    await new Promise((r) => setTimeout(r, 3000));
    const replies = h.thread(root).map((m) => m.text);
    expect(replies.filter((t) => t.startsWith("Upgraded"))).toHaveLength(1);
    expect(/Done/.test(h.current(root).text)).toBe(true);
    // One audit entry for the outcome.
    const audit = await h.workers.redis.xrange(h.workers.keys.audit, "-", "+");
    const outcomes = audit.filter(([, f]) => f.includes("job-upgraded") && f.includes(id));
    expect(outcomes).toHaveLength(1);
  });
});
