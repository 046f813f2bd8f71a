import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BOT_CHANNEL, type BotProcess, startBotProcess } from "../support/bot-process.js";
import { type FakeSlack, startFakeSlack } from "../support/fake-slack/start-fake-slack.js";
import { slashCommand } from "../support/slack-signer.js";
import { type OwnRedis, startOwnRedis } from "../support/start-own-redis.js";

/**
 * The bot process in Socket Mode while Slack is away: the socket dropped
 * and `apps.connections.open` answering 503 for the whole outage. The bot
 * never exits for it, says so once each way, `/healthz` tells the link's
 * state, and `/kcm` works again on the new socket. A 30 s outage in real
 * time with a short backoff; a 10-minute one with the backoff scaled down a
 * hundredfold (10 ms to 300 ms instead of 1 s to 30 s: the same number of
 * failed tries, about 30, in 6 s).
 */
describe("the bot in Socket Mode while Slack is away", () => {
  let redis: OwnRedis;
  let slack: FakeSlack;
  const bots: BotProcess[] = [];

  beforeAll(async () => {
    redis = await startOwnRedis(["--appendonly", "yes", "--maxmemory-policy", "noeviction"]);
    slack = await startFakeSlack({
      channels: [{ id: BOT_CHANNEL, name: "kcm-ops" }],
      users: [
        { id: "U0ALICE", name: "alice" },
        { id: "U0BOB", name: "bob" },
      ],
    });
  });
  afterAll(async () => {
    await Promise.all(bots.map((bot) => bot.stop()));
    await redis?.stop();
    await slack?.stop();
  });

  async function socketBot(prefix: string, backoff: { minMs: number; maxMs: number }) {
    const bot = await startBotProcess({
      REDIS_URL: redis.url,
      KCM_REDIS_PREFIX: prefix,
      KCM_SLACK_MODE: "socket",
      SLACK_BOT_TOKEN: slack.token,
      SLACK_APP_TOKEN: slack.socketMode.appToken,
      SLACK_API_URL: slack.apiUrl,
      KCM_SLACK_RECONNECT_MIN_MS: String(backoff.minMs),
      KCM_SLACK_RECONNECT_MAX_MS: String(backoff.maxMs),
    });
    bots.push(bot);
    return bot;
  }

  /** `/kcm help` over the socket: the ack's payload carries the usage. */
  async function help() {
    const delivery = await slack.socketMode.deliver(
      "slash_commands",
      slashCommand({
        user: "U0ALICE",
        channel: BOT_CHANNEL,
        text: "help",
        responseUrl: slack.responseUrl(),
      }),
      { retries: 0 },
    );
    return delivery;
  }

  /** Drops the socket with Slack refusing new ones for `ms`; resolves when the bot is connected again. */
  async function outage(bot: BotProcess, ms: number) {
    const opened = slack.socketMode.connections;
    const tries = slack.callsTo("apps.connections.open").length;
    slack.failFor("apps.connections.open", { status: 503 }, ms);
    slack.socketMode.drop();
    const started = Date.now();
    await bot.until(() => bot.said(/Socket Mode link is down/) >= 1, 10_000, "the down line");
    // Meanwhile: alive, and /healthz says what is going on (without failing the process).
    const during = await bot.health();
    expect(during.body["slack"]).toMatch(
      /^reconnecting since .* \(HTTP 503 from apps\.connections\.open\)$/,
    );
    expect(during.body["status"]).toBe("ok");
    await slack.socketMode.connected(ms + 60_000, opened);
    return {
      downMs: Date.now() - started,
      failedTries: slack.callsTo("apps.connections.open").length - tries - 1,
    };
  }

  it("a 30 s outage: one line down, one back, never an exit, and /kcm works on the new socket", async () => {
    const bot = await socketBot("tslk30", { minMs: 200, maxMs: 5000 });
    expect((await help()).ack?.["text"]).toContain("/kcm upgrade");
    expect((await bot.health()).body["slack"]).toBe("connected");

    const { downMs, failedTries } = await outage(bot, 30_000);

    expect(downMs).toBeGreaterThanOrEqual(30_000);
    expect(failedTries).toBeGreaterThan(3);
    await bot.until(() => bot.said(/Socket Mode link is back/) === 1, 10_000, "the back line");
    expect(bot.said(/Socket Mode link is down/)).toBe(1);
    expect(bot.child.exitCode).toBeNull();
    expect((await bot.health()).body["slack"]).toBe("connected");
    const after = await help();
    expect(after.attempts).toBe(1);
    expect(after.ack?.["text"]).toContain("/kcm upgrade");
    const back = bot.lines.find((line) => line.includes("link is back")) ?? "{}";
    expect(JSON.parse(back)).toMatchObject({ slackLink: "up", downMs: expect.any(Number) });
  });

  it("a 10-minute outage, the backoff scaled down a hundredfold: the same, after about 30 failed tries", async () => {
    const bot = await socketBot("tslk600", { minMs: 10, maxMs: 300 });

    const { failedTries } = await outage(bot, 6000);

    expect(failedTries).toBeGreaterThanOrEqual(15);
    await bot.until(() => bot.said(/Socket Mode link is back/) === 1, 10_000, "the back line");
    expect(bot.said(/Socket Mode link is down/)).toBe(1);
    expect(bot.child.exitCode).toBeNull();
    expect((await help()).ack?.["text"]).toContain("/kcm upgrade");
  });

  it("Slack asking to reconnect (refresh_requested): a new socket at once, and nothing logged as down", async () => {
    const bot = await socketBot("tslkrefresh", { minMs: 1000, maxMs: 30_000 });
    const opened = slack.socketMode.connections;
    slack.socketMode.askToReconnect();
    await slack.socketMode.connected(5000, opened);
    expect(bot.said(/Socket Mode link is down/)).toBe(0);
    expect((await help()).ack?.["text"]).toContain("/kcm upgrade");
  });

  it("a refused app token stops the bot at start, naming SLACK_APP_TOKEN", async () => {
    const bot = await startBotProcess(
      {
        REDIS_URL: redis.url,
        KCM_REDIS_PREFIX: "tslkrefused",
        KCM_SLACK_MODE: "socket",
        SLACK_BOT_TOKEN: slack.token,
        SLACK_APP_TOKEN: "xapp-1-A0KCMAPP-not-the-right-one",
        SLACK_API_URL: slack.apiUrl,
      },
      { ready: false },
    );
    bots.push(bot);
    expect(await bot.exited).toBe(2);
    expect(bot.said(/Slack refused SLACK_APP_TOKEN \(invalid_auth\)/)).toBe(1);
  });
});
