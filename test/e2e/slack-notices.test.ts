import { Queue } from "bullmq";
import { expect, it } from "vitest";
import { bullPrefix } from "../../src/queue/queue-names.js";
import { FLEET_CHECK_SCHEDULER, TASK_QUEUE } from "../../src/queue/task-schemas.js";
import { NOTICE_UPGRADE } from "../../src/slack/blocks/notice-blocks.js";
import { RedisHeartbeats } from "../../src/store/heartbeats.js";
import type { LabHost } from "../lab/lab.js";
import { type BotHarness, botOverLabHosts, CAROL, CHANNEL } from "../support/bot-harness.js";
import { describeLabWithRedis } from "../support/describe-lab-with-redis.js";
import { buttonClick, postSigned } from "../support/slack-signer.js";

/**
 * The scheduled fleet check on lab hosts, its cron every 2 seconds: the
 * channel hears of a release once, nothing when nothing changed, nothing
 * again after a restart, and once with two bots running; the notice's
 * button makes a request.
 */
describeLabWithRedis("scheduled fleet checks, from Slack", (redisUrl) => {
  let h: BotHarness;
  let hosts: LabHost[];
  botOverLabHosts(
    redisUrl,
    ["note-1", "note-2"].map((name) => ({ name, release: "2.23.1" as const })),
    (made) => {
      ({ h, hosts } = made);
    },
    { schedule: { check: "*/2 * * * * *", timeZone: "UTC" } },
  );

  const notices = () => h.fake.messages(CHANNEL).filter((m) => m.text.includes("is pending on"));
  /** Lets the scheduler fire a few times (a check of two lab hosts takes about a second). */
  const ticks = (n: number) => new Promise((r) => setTimeout(r, n * 2000 + 1000));
  const fleetChecks = async () => {
    const tasks = new Queue(TASK_QUEUE, {
      connection: h.workers.redis,
      prefix: bullPrefix(h.workers.prefix),
    });
    try {
      return {
        schedulers: await tasks.getJobSchedulers(),
        done: (await tasks.getJobs(["completed"])).filter((j) => j.name === "fleet-check").length,
      };
    } finally {
      await tasks.close();
    }
  };

  it("one notice per change: a new release, nothing for nothing, none after a restart, one with two bots", async () => {
    // Nothing published: every host up to date and answering, nothing to say.
    await h.workers.until(
      async () => (await fleetChecks()).done >= 2,
      30_000,
      "two scheduled checks",
    );
    expect(notices()).toEqual([]);

    await Promise.all(hosts.map((host) => host.publish("2.24.1")));
    await h.workers.until(() => notices().length === 1, 30_000, "the notice of 2.24.1");
    expect(notices()[0]?.text).toBe("KCM 2.24.1-1.el8 is pending on 2 hosts.");
    expect(JSON.stringify(notices()[0]?.blocks)).toContain("`note-1`, `note-2`");
    await ticks(3);
    expect(notices()).toHaveLength(1);

    // A restart of the bot and the worker: the state is in Redis, nothing is said again.
    await h.restartBot();
    h.worker?.child.kill("SIGTERM");
    await h.worker?.exited;
    h.worker = await h.startWorker();
    // And a second bot, which sets the same schedule at its start.
    const second = await h.startBotInstance();
    try {
      const checked = (await fleetChecks()).done;
      await h.workers.until(
        async () => (await fleetChecks()).done >= checked + 2,
        30_000,
        "more checks",
      );
      expect(notices()).toHaveLength(1);
      expect((await fleetChecks()).schedulers.map((s) => s.key)).toEqual([FLEET_CHECK_SCHEDULER]);
      // Each process says which inventory it runs (the two bots share this process): one inventory.
      const beats = await new RedisHeartbeats(h.workers.redis, h.workers.keys).all();
      expect([...new Set(beats.map((b) => b.role))].sort()).toEqual([
        "kcm-chatops",
        "upgrade-worker",
      ]);
      expect(new Set(beats.map((b) => b.inventory)).size).toBe(1);

      const [first] = hosts;
      await first?.publish("2.25.0");
      await h.workers.until(() => notices().length === 2, 30_000, "the notice of 2.25.0");
      await ticks(3);
      expect(notices().map((m) => m.text)).toEqual([
        "KCM 2.24.1-1.el8 is pending on 2 hosts.",
        "KCM 2.25.0-1.el8 is pending on 1 host.",
      ]);
    } finally {
      await second.bot.stop();
      await second.runtime.close();
    }
  });

  it("the notice's button makes a request, the clicker its requester", async () => {
    const notice = notices().find((m) => m.text.startsWith("KCM 2.25.0"));
    expect(notice).toBeDefined();
    const answer = await postSigned(
      h.url,
      h.secret,
      buttonClick({
        user: CAROL,
        channel: CHANNEL,
        actionId: NOTICE_UPGRADE,
        value: "2.25.0-1.el8",
        messageTs: notice?.ts ?? "",
        responseUrl: h.fake.responseUrl("notice-click"),
      }),
    );
    expect(answer.status).toBe(200);
    const root = await h.requestRoot("note-1");
    const blocks = JSON.stringify(root.blocks);
    expect(blocks).toContain("2.23.1-1.el8 → 2.25.0-1.el8");
    expect(blocks).toContain(`<@${CAROL}>`);
    const told = JSON.stringify(h.fake.responses("notice-click"));
    expect(told).toContain("Making a fresh plan for KCM 2.25.0-1.el8 on `note-1`");
  });
});
