/**
 * The console demo (the README's run command starts it): the bot and its
 * workers without Slack, driven from this terminal. Environment: REDIS_URL,
 * KCM_INVENTORY (with a slack section: channels and approvers).
 */
import { Redis } from "ioredis";
import { ConfigError } from "../config/config-error.js";
import { loadInventory } from "../config/load-inventory.js";
import { readEnv } from "../config/read-env.js";
import { checkRedisPolicy } from "../store/check-redis-policy.js";
import { runConsole } from "./run-console.js";

const write = (line: string) => process.stdout.write(`${line}\n`);

async function main(): Promise<number> {
  const env = readEnv();
  if (!env.redisUrl) {
    write("console: REDIS_URL is not set");
    return 2;
  }
  const inventory = await loadInventory(env.inventoryPath);
  const redis = new Redis(env.redisUrl, { maxRetriesPerRequest: null });
  try {
    const policy = await checkRedisPolicy(redis);
    if (!policy.ok) {
      write(`console: ${policy.message}`);
      return 1;
    }
    await runConsole({ env, inventory, redis, input: process.stdin, write });
    return 0;
  } finally {
    await redis.quit();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    write(
      error instanceof ConfigError
        ? error.message
        : `console: ${error instanceof Error ? error.stack : String(error)}`,
    );
    process.exitCode = 1;
  },
);
