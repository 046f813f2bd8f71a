import { expect, it } from "vitest";
import { parseInventory } from "../../../src/config/parse-inventory.js";
import { readEnv } from "../../../src/config/read-env.js";
import { botPartsOf } from "../../../src/runtime/bot-parts.js";
import { createRuntime, type Runtime } from "../../../src/runtime/create-runtime.js";
import { createPosterClient } from "../../../src/slack/poster/index.js";
import { BotConfigError, startBot } from "../../../src/slack/start-bot.js";
import { describeWithRedis } from "../../support/describe-with-redis.js";
import { startFakeSlack } from "../../support/fake-slack/start-fake-slack.js";

const INVENTORY = `
hosts:
  - name: web1
    address: 127.0.0.1
    user: kcm
    privateKey: /keys/id_ed25519
    hostKey: SHA256:fbvWx7tccquu6uGYCHfGJ2+D72nEbtHlzoDn8lodc9k
slack:
  channels: [C0KCMOPS01]
  approvers: [U0BOB]
`;

describeWithRedis("starting the bot", (redisUrl) => {
  it("refuses a bot token that Slack refuses, saying which variable to fix", async () => {
    const fake = await startFakeSlack();
    let runtime: Runtime | undefined;
    try {
      const env = readEnv({
        REDIS_URL: redisUrl,
        KCM_REDIS_PREFIX: "t-start-bot",
        KCM_SLACK_MODE: "http",
        KCM_HTTP_PORT: "39123",
        SLACK_BOT_TOKEN: "xoxb-not-the-right-one",
        SLACK_SIGNING_SECRET: "0123456789abcdef0123",
        SLACK_API_URL: fake.apiUrl,
      });
      const inventory = parseInventory(INVENTORY, "inline");
      const client = createPosterClient(env.slackBotToken ?? "", { slackApiUrl: fake.apiUrl });
      runtime = await createRuntime({
        name: "kcm-chatops",
        env,
        inventory,
        log: { info: () => {}, warn: () => {} },
        requestsRedis: "fail-fast",
        chat: { client },
      });
      const started = startBot(botPartsOf(runtime, client), () => {});
      await expect(started).rejects.toBeInstanceOf(BotConfigError);
      await expect(started).rejects.toThrow(/Slack refused SLACK_BOT_TOKEN \(invalid_auth\)/);
    } finally {
      await runtime?.close();
      await fake.stop();
    }
  });
});
