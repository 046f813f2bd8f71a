/**
 * The Slack bot process (`npm start`): takes `/kcm` commands and button
 * clicks, and delivers what the workers report. Environment: see
 * src/config/read-env.ts; needs REDIS_URL, SLACK_BOT_TOKEN and either
 * SLACK_APP_TOKEN (Socket Mode, the default) or SLACK_SIGNING_SECRET (HTTP).
 */
import { ConfigError } from "./config/config-error.js";
import { loadInventory } from "./config/load-inventory.js";
import { readEnv, redisTargetOf } from "./config/read-env.js";
import { createLogger } from "./observability/create-logger.js";
import { posterLogSink } from "./observability/poster-log-sink.js";
import { secretsOf } from "./observability/secrets-of.js";
import { DashboardConfigError } from "./observability/start-dashboard.js";
import { startObservability } from "./observability/start-observability.js";
import { BotConfigError, startBot } from "./slack/start-bot.js";
import { checkRedisPolicy } from "./store/check-redis-policy.js";
import { closeRedis, connectRedis, RedisWatch } from "./store/connect-redis.js";

// JSON lines on stdout; the level and the secrets are known once the environment is read.
let logger = createLogger({ name: "kcm-chatops" });
const log = (line: string) => logger.info(line);

async function main(): Promise<number> {
  const env = readEnv();
  logger = createLogger({ name: "kcm-chatops", level: env.logLevel, secrets: secretsOf(env) });
  const target = redisTargetOf(env);
  if (!target) {
    logger.error("kcm-chatops: neither REDIS_URL nor REDIS_SENTINELS is set");
    return 2;
  }
  const inventory = await loadInventory(env.inventoryPath);
  const watch = new RedisWatch({
    down: (message, fields) => logger.warn(fields, `kcm-chatops: ${message}`),
    up: (message, fields) => logger.info(fields, `kcm-chatops: ${message}`),
  });
  // What is said in Slack waits out an outage; what commands change fails at once.
  const redis = connectRedis(target, "queue", watch);
  const store = connectRedis(target, "fail-fast", watch, { commandTimeoutMs: 1500 });
  const closeConnections = async () => {
    watch.stop();
    await Promise.all([closeRedis(redis), closeRedis(store)]);
  };
  const policy = await checkRedisPolicy(redis);
  if (!policy.ok) {
    logger.error(`kcm-chatops: refusing to start: ${policy.message}`);
    await closeConnections();
    return 1;
  }
  const observability = await startObservability({
    env,
    redis,
    metricsPort: env.botMetricsPort,
    dashboard: true,
    watch,
    log: (line) => log(`kcm-chatops: ${line}`),
  }).catch(async (error: unknown) => {
    await closeConnections();
    throw error;
  });
  const bot = await startBot(env, inventory, redis, log, {
    posterLog: posterLogSink(logger, observability.metrics),
    store: { redis: store, watch },
  }).catch(async (error: unknown) => {
    await observability.close();
    await closeConnections();
    throw error;
  });
  await new Promise<void>((resolve) => {
    process.once("SIGTERM", () => resolve());
    process.once("SIGINT", () => resolve());
  });
  log("kcm-chatops: stopping");
  await bot.stop();
  await Promise.race([observability.close(), new Promise((r) => setTimeout(r, 1000))]);
  await closeConnections();
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
