/**
 * The Slack bot process (`npm start`): takes `/kcm` commands and button
 * clicks, and delivers what the workers report. Environment: see
 * src/config/read-env.ts; needs REDIS_URL, SLACK_BOT_TOKEN and either
 * SLACK_APP_TOKEN (Socket Mode, the default) or SLACK_SIGNING_SECRET (HTTP).
 */
import { Redis } from "ioredis";
import { ConfigError } from "./config/config-error.js";
import { loadInventory } from "./config/load-inventory.js";
import { readEnv } from "./config/read-env.js";
import { BotConfigError, startBot } from "./slack/start-bot.js";
import { checkRedisPolicy } from "./store/check-redis-policy.js";

const log = (line: string) => process.stdout.write(`${line}\n`);

async function main(): Promise<number> {
  const env = readEnv();
  if (!env.redisUrl) {
    log("kcm-chatops: REDIS_URL is not set");
    return 2;
  }
  const inventory = await loadInventory(env.inventoryPath);
  const redis = new Redis(env.redisUrl, { maxRetriesPerRequest: null });
  const policy = await checkRedisPolicy(redis);
  if (!policy.ok) {
    log(`kcm-chatops: refusing to start: ${policy.message}`);
    await redis.quit();
    return 1;
  }
  const bot = await startBot(env, inventory, redis, log).catch(async (error: unknown) => {
    await redis.quit();
    throw error;
  });
  await new Promise<void>((resolve) => {
    process.once("SIGTERM", () => resolve());
    process.once("SIGINT", () => resolve());
  });
  log("kcm-chatops: stopping");
  await bot.stop();
  await redis.quit();
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const known = error instanceof ConfigError || error instanceof BotConfigError;
    log(
      known
        ? (error as Error).message
        : `kcm-chatops: ${error instanceof Error ? error.stack : String(error)}`,
    );
    process.exitCode = known ? 2 : 1;
  },
);
