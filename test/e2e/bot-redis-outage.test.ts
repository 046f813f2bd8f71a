import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, beforeAll, expect, it } from "vitest";
import { bullPrefix } from "../../src/queue/queue-names.js";
import { TASK_QUEUE } from "../../src/queue/task-schemas.js";
import { REQUEST_ACTIONS } from "../../src/slack/blocks/request-blocks.js";
import { STORE_DOWN_TEXT } from "../../src/slack/guard-store.js";
import { BOT_CHANNEL, type BotProcess, startBotProcess } from "../support/bot-process.js";
import { describeLab } from "../support/describe-lab.js";
import { type FakeSlack, startFakeSlack } from "../support/fake-slack/start-fake-slack.js";
import { freePort } from "../support/free-port.js";
import { buttonClick, postSigned, slashCommand } from "../support/slack-signer.js";
import { type OwnRedis, startOwnRedis } from "../support/start-own-redis.js";

const CHANNEL = BOT_CHANNEL;
const PREFIX = "tbotout";

/**
 * The bot process while its Redis is away (kill -9, then back on its AOF):
 * one log line each way, /kcm and clicks answered at once that nothing
 * changed, nothing done behind anyone's back afterwards, SIGTERM honoured.
 */
describeLab("the bot whose Redis goes away", () => {
  let redis: OwnRedis;
  let slack: FakeSlack;
  let bot: BotProcess;
  let url: string;
  const secret = "0123456789abcdef0123456789abcdef";
  const said = (pattern: RegExp) => bot.said(pattern);
  const until = (test: () => boolean | Promise<boolean>, ms: number, what: string) =>
    bot.until(test, ms, what);

  beforeAll(async () => {
    redis = await startOwnRedis(["--appendonly", "yes", "--maxmemory-policy", "noeviction"]);
    slack = await startFakeSlack({
      channels: [{ id: CHANNEL, name: "kcm-ops" }],
      users: [
        { id: "U0ALICE", name: "alice" },
        { id: "U0BOB", name: "bob" },
      ],
    });
    const port = await freePort();
    url = `http://127.0.0.1:${port}/slack/events`;
    bot = await startBotProcess({
      REDIS_URL: redis.url,
      KCM_REDIS_PREFIX: PREFIX,
      KCM_SLACK_MODE: "http",
      KCM_HTTP_PORT: String(port),
      SLACK_BOT_TOKEN: slack.token,
      SLACK_SIGNING_SECRET: secret,
      SLACK_API_URL: slack.apiUrl,
    });
  });
  afterAll(async () => {
    await bot?.stop();
    await redis?.stop();
    await slack?.stop();
  });

  const command = (text: string, responseUrl = slack.responseUrl()) =>
    postSigned(url, secret, slashCommand({ user: "U0ALICE", channel: CHANNEL, text, responseUrl }));

  /** Kills Redis, and waits for the bot to say, for the `times`th time, that it lost it. */
  async function killRedis(times: number) {
    await redis.kill();
    await until(
      () => said(/redis: lost the connection to Redis/) === times,
      10_000,
      "the bot to notice",
    );
  }

  it("answers /kcm and clicks at once while Redis is away, changes nothing, and says so once each way", async () => {
    await killRedis(1);
    expect((await bot.health()).status).toBe(503);

    const answer = await command("check all");
    expect(answer.status).toBe(200);
    expect(answer.ms).toBeLessThan(3000);
    expect(JSON.parse(answer.body)).toMatchObject({
      response_type: "ephemeral",
      text: STORE_DOWN_TEXT,
    });

    const click = await postSigned(
      url,
      secret,
      buttonClick({
        user: "U0BOB",
        channel: CHANNEL,
        actionId: REQUEST_ACTIONS.approve,
        value: "r-abcdefgh",
        messageTs: "1700000000.000100",
        responseUrl: slack.responseUrl("click-away"),
      }),
    );
    expect(click.status).toBe(200);
    expect(click.ms).toBeLessThan(3000);
    await until(() => slack.responses("click-away").length > 0, 5000, "the click's answer");
    expect(slack.responses("click-away")[0]?.body).toMatchObject({ text: STORE_DOWN_TEXT });

    await redis.restart();
    await until(
      () => said(/redis: connected again after \d+\.\d s/) === 1,
      15_000,
      "the bot to reconnect",
    );
    // Nothing the refused command asked for happened once Redis came back.
    const probe = new Redis(redis.url);
    const tasks = new Queue(TASK_QUEUE, { connection: probe, prefix: bullPrefix(PREFIX) });
    try {
      await new Promise((r) => setTimeout(r, 1000));
      const counts = await tasks.getJobCounts();
      expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(0);
      // And the bot works again.
      const after = await command("check all");
      expect(JSON.parse(after.body).text).toMatch(/^Checking 1 host/);
      await until(
        async () => (await tasks.getJobCounts())["waiting"] === 1,
        5000,
        "the check task",
      );
    } finally {
      await tasks.close();
      await probe.quit();
    }
    expect(said(/redis: lost the connection to Redis/)).toBe(1);
    expect(bot.lines.join("\n")).not.toMatch(/Unhandled error event|^Error: connect ECONNREFUSED/m);
  });

  it("SIGTERM while Redis is away: the bot exits within 5 s", async () => {
    await killRedis(2);
    const started = Date.now();
    bot.child.kill("SIGTERM");
    expect(await bot.exited).toBe(0);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
