import type { ChildProcess } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, beforeAll, expect, it } from "vitest";
import { bullPrefix } from "../../src/queue/queue-names.js";
import { TASK_QUEUE } from "../../src/queue/task-schemas.js";
import { REQUEST_ACTIONS } from "../../src/slack/blocks/request-blocks.js";
import { STORE_DOWN_TEXT } from "../../src/slack/guard-store.js";
import { describeLab } from "../support/describe-lab.js";
import { type FakeSlack, startFakeSlack } from "../support/fake-slack/start-fake-slack.js";
import { freePort } from "../support/free-port.js";
import { buttonClick, postSigned, slashCommand } from "../support/slack-signer.js";
import { spawnTsx } from "../support/spawn-tsx.js";
import { type OwnRedis, startOwnRedis } from "../support/start-own-redis.js";

const CHANNEL = "C0KCMOPS01";
const PREFIX = "tbotout";

/**
 * The bot process while its Redis is away (kill -9, then back on its AOF):
 * one log line each way, /kcm and clicks answered at once that nothing
 * changed, nothing done behind anyone's back afterwards, SIGTERM honoured.
 */
describeLab("the bot whose Redis goes away", () => {
  let redis: OwnRedis;
  let slack: FakeSlack;
  let dir: string;
  let bot: ChildProcess;
  let url: string;
  let metrics: number;
  const secret = "0123456789abcdef0123456789abcdef";
  let lines: string[] = [];
  let exited: Promise<number | string>;

  const said = (pattern: RegExp) =>
    lines.filter((line) => {
      try {
        return pattern.test((JSON.parse(line) as { msg: string }).msg);
      } catch {
        return pattern.test(line);
      }
    }).length;

  async function until(test: () => boolean | Promise<boolean>, ms: number, what: string) {
    const deadline = Date.now() + ms;
    while (!(await test())) {
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for ${what}:\n${lines.join("\n")}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  beforeAll(async () => {
    redis = await startOwnRedis(["--appendonly", "yes", "--maxmemory-policy", "noeviction"]);
    slack = await startFakeSlack({
      channels: [{ id: CHANNEL, name: "kcm-ops" }],
      users: [
        { id: "U0ALICE", name: "alice" },
        { id: "U0BOB", name: "bob" },
      ],
    });
    dir = await mkdtemp(path.join(tmpdir(), "kcm-bot-outage-"));
    const inventory = path.join(dir, "inventory.yml");
    // The bot never connects to its hosts: a host entry is all the inventory needs.
    await writeFile(
      inventory,
      [
        "hosts:",
        "  - name: web1",
        "    address: 127.0.0.1",
        "    user: kcm",
        "    privateKey: /nonexistent/id_ed25519",
        "    hostKey: SHA256:nLF/WwxaonO/+Fxv8K4yuWHDnLFkkbazJMT3YbBiI2E",
        "slack:",
        `  channels: [${CHANNEL}]`,
        "  approvers: [U0BOB]",
        "",
      ].join("\n"),
    );
    const port = await freePort();
    metrics = await freePort();
    url = `http://127.0.0.1:${port}/slack/events`;
    const started = spawnTsx("src/bot.ts", {
      ...process.env,
      REDIS_URL: redis.url,
      KCM_REDIS_PREFIX: PREFIX,
      KCM_INVENTORY: inventory,
      KCM_SLACK_MODE: "http",
      KCM_HTTP_PORT: String(port),
      KCM_BOT_METRICS_PORT: String(metrics),
      SLACK_BOT_TOKEN: slack.token,
      SLACK_SIGNING_SECRET: secret,
      SLACK_API_URL: slack.apiUrl,
    });
    ({ child: bot, lines, exited } = started);
    await until(() => said(/kcm-chatops bot ready/) === 1, 30_000, "the bot to be ready");
  });
  afterAll(async () => {
    if (bot.exitCode === null && bot.signalCode === null) bot.kill("SIGKILL");
    await exited;
    await redis?.stop();
    await slack?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
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
    const health = await fetch(`http://127.0.0.1:${metrics}/healthz`);
    expect(health.status).toBe(503);

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
    expect(lines.join("\n")).not.toMatch(/Unhandled error event|^Error: connect ECONNREFUSED/m);
  });

  it("SIGTERM while Redis is away: the bot exits within 5 s", async () => {
    await killRedis(2);
    const started = Date.now();
    bot.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
