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
import { createLogger } from "./observability/create-logger.js";
import { posterLogSink } from "./observability/poster-log-sink.js";
import { secretsOf } from "./observability/secrets-of.js";
import { DashboardConfigError } from "./observability/start-dashboard.js";
import { startObservability } from "./observability/start-observability.js";
import { BotConfigError, startBot } from "./slack/start-bot.js";
import { checkRedisPolicy } from "./store/check-redis-policy.js";

// JSON lines on stdout; the level and the secrets are known once the environment is read.
let logger = createLogger({ name: "kcm-chatops" });
const log = (line: string) => logger.info(line);

async function main(): Promise<number> {
  const env = readEnv();
  logger = createLogger({ name: "kcm-chatops", level: env.logLevel, secrets: secretsOf(env) });
  if (!env.redisUrl) {
    logger.error("kcm-chatops: REDIS_URL is not set");
    return 2;
  }
  const inventory = await loadInventory(env.inventoryPath);
  const redis = new Redis(env.redisUrl, { maxRetriesPerRequest: null });
  const policy = await checkRedisPolicy(redis);
  if (!policy.ok) {
    logger.error(`kcm-chatops: refusing to start: ${policy.message}`);
    await redis.quit();
    return 1;
  }
  const observability = await startObservability({
    env,
    redis,
    metricsPort: env.botMetricsPort,
    dashboard: true,
    log: (line) => log(`kcm-chatops: ${line}`),
  }).catch(async (error: unknown) => {
    await redis.quit();
    throw error;
  });
  const bot = await startBot(env, inventory, redis, log, {
    posterLog: posterLogSink(logger, observability.metrics),
  }).catch(async (error: unknown) => {
    await observability.close();
    await redis.quit();
    throw error;
  });
  await new Promise<void>((resolve) => {
    process.once("SIGTERM", () => resolve());
    process.once("SIGINT", () => resolve());
  });
  log("kcm-chatops: stopping");
  await bot.stop();
  await observability.close();
  await redis.quit();
  return 0;
}

main().then(
  (code) => {
    // Everything is stopped; what is left (the Slack client's retry timers
    // while Slack is unreachable) must not keep the process alive.
    process.exit(code);
  },
  (error: unknown) => {
    const known =
      error instanceof ConfigError ||
      error instanceof BotConfigError ||
      error instanceof DashboardConfigError;
    if (known) logger.fatal(error.message);
    else
      logger.fatal(
        { err: error },
        `kcm-chatops: ${error instanceof Error ? error.message : error}`,
      );
    process.exitCode = known ? 2 : 1;
  },
);
