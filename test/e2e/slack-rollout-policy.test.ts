import { expect, it } from "vitest";
import { RedisAuditLog } from "../../src/store/redis-audit-log.js";
import type { LabHost } from "../lab/lab.js";
import { BOB, type BotHarness, botOverLabHosts, requestIdOf } from "../support/bot-harness.js";
import { describeLabWithRedis } from "../support/describe-lab-with-redis.js";
import { labHosts, names, rollOut, versionOf } from "../support/rollout-steps.js";

/**
 * A group's rollout policy, end to end on five lab hosts each: the batches
 * in order, a failure that stops the rollout (or not), and a cancel.
 */

/** When each host's job began its first step and ended, from the audit stream (ms). */
async function timesOf(h: BotHarness, id: string) {
  const audit = await new RedisAuditLog(h.workers.redis, h.workers.keys).read();
  const times = new Map<string, { start: number; end: number }>();
  for (const e of audit) {
    if (e["requestId"] !== id || !e["host"]) continue;
    const at = Number((e["id"] ?? "0-0").split("-")[0]);
    const host = e["host"];
    const t = times.get(host) ?? { start: Number.POSITIVE_INFINITY, end: 0 };
    if (e["what"] === "step-started") t.start = Math.min(t.start, at);
    if (e["what"]?.startsWith("job-")) t.end = Math.max(t.end, at);
    times.set(host, t);
  }
  return times;
}

describeLabWithRedis("a rollout's batches: canary 1, then 2 at a time", (redisUrl) => {
  let h: BotHarness;
  botOverLabHosts(
    redisUrl,
    labHosts("rb"),
    (made) => {
      h = made.h;
    },
    { groups: { five: { hosts: names("rb"), rollout: { canary: 1, maxParallel: 2 } } } },
  );

  it("the canary alone, then rb-2 and rb-3 together, then rb-4 and rb-5", async () => {
    const { id, summary } = await rollOut(h, "five");

    expect(summary).toMatch(/Rollout of `five` over: 5 upgraded\./);
    const t = await timesOf(h, id);
    const [c, a, b, d, e] = names("rb").map((n) => t.get(n) as { start: number; end: number });
    if (!c || !a || !b || !d || !e) throw new Error("a host has no times");
    // Each batch starts after the one before has ended...
    for (const later of [a, b, d, e]) expect(later.start).toBeGreaterThanOrEqual(c.end);
    for (const later of [d, e]) expect(later.start).toBeGreaterThanOrEqual(Math.max(a.end, b.end));
    // ...and the two of a batch run at once.
    expect(Math.max(a.start, b.start)).toBeLessThan(Math.min(a.end, b.end));
    expect(Math.max(d.start, e.start)).toBeLessThan(Math.min(d.end, e.end));
  });
});

describeLabWithRedis("a failure with onFailure: stop", (redisUrl) => {
  let h: BotHarness;
  let hosts: LabHost[];
  botOverLabHosts(
    redisUrl,
    labHosts("rs"),
    (made) => {
      ({ h, hosts } = made);
    },
    { groups: { stopper: { hosts: names("rs"), rollout: { canary: 1, maxParallel: 2 } } } },
  );

  it("rs-2's start fails: rs-3 (in flight) finishes, rs-4 and rs-5 are never touched, rs-2's guacd is up", async () => {
    const [rs1, rs2, rs3, rs4, rs5] = hosts;
    if (!rs1 || !rs2 || !rs3 || !rs4 || !rs5) throw new Error("five hosts");
    await rs2.fault("start-fails", "guacamole");

    const { root, summary } = await rollOut(h, "stopper");

    expect(summary).toMatch(/^:red_circle: Rollout of `stopper` over: /);
    expect(summary).toContain("over: 2 upgraded, 1 failed, 2 not started.");
    expect(await versionOf(rs1)).toBe("2.24.1-1.el8");
    expect(await versionOf(rs3)).toBe("2.24.1-1.el8");
    expect(await versionOf(rs4)).toBe("2.23.1-1.el8");
    expect(await versionOf(rs5)).toBe("2.23.1-1.el8");
    expect(await rs2.unitState("guacd")).toBe("active");
    const end = JSON.stringify(h.current(root).blocks);
    expect(end).toContain("`rs-2` failed: start:");
    expect(end).toContain("`rs-4` not started (stopped: rs-2 failed)");
    expect(end).toContain("`rs-5` not started (stopped: rs-2 failed)");
    // The failure was posted on its own, with what the host said.
    expect(h.thread(root).some((m) => m.text.startsWith(":x: `rs-2` ✗ start"))).toBe(true);
    expect(h.current(root).text).toMatch(/Failed/);
  });
});

describeLabWithRedis("a failure with onFailure: continue", (redisUrl) => {
  let h: BotHarness;
  let hosts: LabHost[];
  botOverLabHosts(
    redisUrl,
    labHosts("rc", 4),
    (made) => {
      ({ h, hosts } = made);
    },
    {
      groups: {
        onward: {
          hosts: names("rc", 4),
          rollout: { canary: 1, maxParallel: 3, onFailure: "continue" },
        },
      },
    },
  );

  it("rc-1 (the canary) fails; the others still go, and the request ends failed", async () => {
    const [rc1, ...others] = hosts;
    if (!rc1) throw new Error("hosts");
    await rc1.fault("start-fails", "guacamole");

    const { summary } = await rollOut(h, "onward");

    expect(summary).toMatch(/^:red_circle: Rollout of `onward` over: /);
    expect(summary).toContain("1 failed");
    expect(summary).toContain("3 upgraded");
    for (const host of others) expect(await versionOf(host)).toBe("2.24.1-1.el8");
  });
});

describeLabWithRedis("a cancel mid-rollout", (redisUrl) => {
  let h: BotHarness;
  let hosts: LabHost[];
  botOverLabHosts(
    redisUrl,
    labHosts("rx", 3),
    (made) => {
      ({ h, hosts } = made);
    },
    { groups: { slowgo: names("rx", 3) } },
  );

  it("/kcm cancel while the canary runs: it finishes, the others never start, the end says who", async () => {
    const [rx1, rx2, rx3] = hosts;
    if (!rx1 || !rx2 || !rx3) throw new Error("hosts");
    await rx1.fault("slow-upgrade", 4);

    const { summary, root } = await rollOut(h, "slowgo", async (root) => {
      const id = requestIdOf(root);
      await h.workers.until(
        async () => (await h.workers.journal(`${id}-h1`)).length > 0,
        60_000,
        "the canary to begin",
      );
      const answer = await h.command(BOB, `cancel ${id}`);
      expect(answer.body).toContain(`Cancelled \`${id}\``);
    });

    expect(summary).toContain(`Cancelled by <@${BOB}>`);
    expect(summary).toContain("1 upgraded, 2 not started");
    expect(await versionOf(rx1)).toBe("2.24.1-1.el8");
    expect(await versionOf(rx2)).toBe("2.23.1-1.el8");
    expect(await versionOf(rx3)).toBe("2.23.1-1.el8");
    expect(JSON.stringify(h.current(root).blocks)).toContain(
      `\`rx-2\` not started (cancelled by <@${BOB}>)`,
    );
  });
});
