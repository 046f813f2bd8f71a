import { setTimeout as sleep } from "node:timers/promises";
import { expect, it } from "vitest";
import { ALICE, type BotHarness, botOverLabHosts, CHANNEL } from "../support/bot-harness.js";
import { describeLabWithRedis } from "../support/describe-lab-with-redis.js";
import { postSigned, slashCommand } from "../support/slack-signer.js";

/**
 * `/kcm check` from Slack against lab hosts: checks that overlap never
 * collide on a host's yum lock, and a replayed command runs once.
 */
describeLabWithRedis("checks from Slack: many at once, and replayed", (redisUrl) => {
  let h: BotHarness;
  botOverLabHosts(
    redisUrl,
    ["chk-1", "chk-2", "chk-3"].map((name) => ({ name, release: "2.23.1", publish: ["2.24.1"] })),
    (made) => {
      h = made.h;
    },
  );

  const summaries = (target: string) =>
    h.fake.messages(CHANNEL).filter((m) => m.text.startsWith(`Check of \`${target}\``));

  it("20 `check all` at once: 20 summaries, every host pending and none with a problem", async () => {
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        h.command(ALICE, "check all", { triggerId: `1000.${i}.all` }),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));

    await h.workers.until(() => summaries("all").length >= 20, 180_000, "20 check summaries");
    const texts = summaries("all").map((m) => m.text);
    expect(texts).toHaveLength(20);
    for (const text of texts)
      expect(text).toMatch(/3 hosts, 3 with updates pending, 0 with problems$/);
  });

  it("the same signed command replayed 3 s later: one check, one summary", async () => {
    const form = slashCommand({
      user: ALICE,
      channel: CHANNEL,
      text: "check chk-2",
      responseUrl: h.fake.responseUrl("replay"),
      triggerId: "2000.1.replay",
    });
    const timestamp = Math.floor(Date.now() / 1000);
    expect((await postSigned(h.url, h.secret, form, { timestamp })).status).toBe(200);
    await h.workers.until(() => summaries("chk-2").length === 1, 60_000, "the first summary");

    await sleep(3000);
    expect((await postSigned(h.url, h.secret, form, { timestamp })).status).toBe(200);
    // A second check of one host takes about a second here: wait well past it.
    await sleep(6000);

    expect(summaries("chk-2")).toHaveLength(1);
  });
});
