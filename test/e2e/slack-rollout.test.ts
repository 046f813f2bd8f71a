import { expect, it } from "vitest";
import { REQUEST_ACTIONS } from "../../src/slack/blocks/request-blocks.js";
import { RedisAuditLog } from "../../src/store/redis-audit-log.js";
import { verifyAuditChain } from "../../src/store/verify-audit-chain.js";
import type { LabHost } from "../lab/lab.js";
import {
  ALICE,
  BOB,
  type BotHarness,
  botOverLabHosts,
  CHANNEL,
  requestIdOf,
} from "../support/bot-harness.js";
import { describeLabWithRedis } from "../support/describe-lab-with-redis.js";

/**
 * A group upgrade from Slack against three lab hosts: one request, one
 * approval, the canary then the others, a line per host on the root and one
 * reply per host in the thread.
 */
describeLabWithRedis("a rollout from Slack: one request for a group", (redisUrl) => {
  let h: BotHarness;
  let hosts: LabHost[];
  botOverLabHosts(
    redisUrl,
    ["ro-1", "ro-2", "ro-3"].map((name) => ({ name, release: "2.23.1", publish: ["2.24.1"] })),
    (made) => {
      ({ h, hosts } = made);
    },
    { groups: { lab: ["ro-1", "ro-2", "ro-3"] } },
  );

  it("a group of 3: one request, one approval, all 3 hosts upgraded, one reply each", async () => {
    const answer = await h.command(ALICE, "upgrade lab");
    expect(answer.body).toContain("one rollout request");

    const root = await h.requestRoot("lab");
    const blocks = JSON.stringify(root.blocks);
    for (const name of ["ro-1", "ro-2", "ro-3"]) expect(blocks).toContain(name);
    expect(blocks).toContain("2.23.1-1.el8 → 2.24.1-1.el8 (9 packages)");
    expect(blocks).toContain("canary 1, then 1 at a time, stop at the first failure");
    // Exactly one request message for the three hosts.
    expect(
      h.fake.messages(CHANNEL).filter((m) => / on (lab|ro-\d) \(r-/.test(m.text)),
    ).toHaveLength(1);

    expect((await h.click(BOB, REQUEST_ACTIONS.approve, root, "approve")).status).toBe(200);

    await h.workers.until(
      () => h.thread(root).some((m) => m.text.includes("Rollout of `lab` over")),
      180_000,
      "the rollout's end",
    );
    const replies = h.thread(root).map((m) => m.text);
    expect(replies.find((t) => t.includes("Rollout of `lab` over"))).toMatch(
      /^:large_green_circle: Rollout of `lab` over: 3 upgraded\./,
    );
    for (const name of ["ro-1", "ro-2", "ro-3"]) {
      expect(replies.filter((t) => t.startsWith(`*${name}*: Upgraded 9 packages`))).toHaveLength(1);
    }
    await h.workers.until(
      () => (h.current(root).text ?? "").includes("Done"),
      15_000,
      "the root to say Done",
    );
    const end = JSON.stringify(h.current(root).blocks);
    for (const name of ["ro-1", "ro-2", "ro-3"]) {
      expect(end).toMatch(
        new RegExp(`:large_green_circle: \`${name}\` upgraded, downtime [\\d.]+ s`),
      );
    }
    for (const host of hosts) {
      expect((await host.installed()).get("kcm-guacd")).toBe("2.24.1-1.el8");
    }
    // The audit stream has each host's outcome under the rollout's request id.
    const id = requestIdOf(root);
    const audit = await new RedisAuditLog(h.workers.redis, h.workers.keys).read();
    for (const name of ["ro-1", "ro-2", "ro-3"]) {
      const ends = audit.filter(
        (e) => e["requestId"] === id && e["host"] === name && e["what"] === "job-upgraded",
      );
      expect(ends).toHaveLength(1);
    }
    expect(await verifyAuditChain(h.workers.redis, h.workers.keys.audit)).toMatchObject({
      ok: true,
    });
  });

  it("a host in another open request is left out of the next rollout; status shows each host", async () => {
    await Promise.all(hosts.map((host) => host.publish("2.25.0")));
    await h.command(ALICE, "upgrade ro-1");
    const single = await h.requestRoot("ro-1");

    await h.command(ALICE, "upgrade lab");
    const root = await h.requestRoot("lab", 1);

    const blocks = JSON.stringify(root.blocks);
    expect(blocks).toContain(`\`ro-1\`: in request ${requestIdOf(single)} (pending)`);
    expect(blocks).toContain("2 of `lab`");
    const status = (await h.command(ALICE, "status")).body;
    expect(status).toContain("rollout (2 hosts) of `lab`");
    expect(status).toContain("rollout (3 hosts) of `lab`");
    expect(status).toMatch(/:large_green_circle: `ro-2` upgraded, downtime [\d.]+ s/);
    expect(status).toContain(":white_circle: `ro-3` waiting");
  });
});
