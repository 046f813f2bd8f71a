/**
 * The upgrade worker process: takes approved upgrade jobs off the queue and
 * runs the runbook on their hosts. Several can run, on several machines,
 * against one Redis. Environment: see src/config/read-env.ts (REDIS_URL is
 * required). SIGTERM/SIGINT: takes no new jobs, lets running ones finish.
 */
import { hostname } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import { Worker } from "bullmq";
import type { Redis } from "ioredis";
import { consoleReporter } from "../src/chat/console-reporter.js";
import { ConfigError } from "../src/config/config-error.js";
import type { Inventory } from "../src/config/inventory-schema.js";
import { loadInventory } from "../src/config/load-inventory.js";
import { type AppEnv, readEnv, redisTargetOf } from "../src/config/read-env.js";
import { createLogger } from "../src/observability/create-logger.js";
import { posterLogSink } from "../src/observability/poster-log-sink.js";
import { secretsOf } from "../src/observability/secrets-of.js";
import { startObservability } from "../src/observability/start-observability.js";
import { openQueue } from "../src/queue/open-queue.js";
import { taskProcessor } from "../src/queue/process-task.js";
import { upgradeProcessor } from "../src/queue/process-upgrade-job.js";
import { bullPrefix, UPGRADE_QUEUE } from "../src/queue/queue-names.js";
import { TASK_QUEUE } from "../src/queue/task-schemas.js";
import {
  createPosterClient,
  createSlackPoster,
  type PosterLogEntry,
} from "../src/slack/poster/index.js";
import { posterPrefix } from "../src/slack/poster-prefix.js";
import { slackReporter } from "../src/slack/slack-reporter.js";
import { checkRedisPolicy } from "../src/store/check-redis-policy.js";
import { closeRedis, connectRedis, RedisWatch } from "../src/store/connect-redis.js";
import { RequestStore } from "../src/store/request-store.js";
import type { StoreKeys } from "../src/store/store-keys.js";
import { storeKeys } from "../src/store/store-keys.js";

// JSON lines on stdout; the level and the secrets are known once the environment is read.
let logger = createLogger({ name: "upgrade-worker" });
const log = (line: string) => logger.info(line);

async function main(): Promise<number> {
  const env = readEnv();
  logger = createLogger({ name: "upgrade-worker", level: env.logLevel, secrets: secretsOf(env) });
  const target = redisTargetOf(env);
  if (!target) {
    logger.error(
      "upgrade-worker: neither REDIS_URL nor REDIS_SENTINELS is set; point it at the Redis the bot uses",
    );
    return 2;
  }
  const watch = new RedisWatch({
    down: (message, fields) => logger.warn(fields, `upgrade-worker: ${message}`),
    up: (message, fields) => logger.info(fields, `upgrade-worker: ${message}`),
  });
  // The queues' connection waits out an outage; the runbook's store writes fail at once.
  const redis = connectRedis(target, "queue", watch);
  const store = connectRedis(target, "fail-fast", watch);
  const closeConnections = async () => {
    watch.stop();
    await Promise.all([closeRedis(redis), closeRedis(store)]);
  };
  const policy = await checkRedisPolicy(redis);
  if (!policy.ok) {
    logger.error(`upgrade-worker: refusing to start: ${policy.message}`);
    await closeConnections();
    return 1;
  }
  const inventory = await loadInventory(env.inventoryPath).catch(async (error: unknown) => {
    await closeConnections();
    throw error;
  });
  const stopping = new AbortController();
  const workerId = `${hostname()}:${process.pid}`;
  const hosts = new Map(inventory.hosts.map((h) => [h.name, h]));
  const keys = storeKeys(env.redisPrefix);
  const workers: Worker[] = [];
  const observability = await startObservability({
    env,
    redis,
    metricsPort: env.metricsPort,
    workers,
    watch,
    log: (line) => log(`upgrade-worker: ${line}`),
  }).catch(async (error: unknown) => {
    await closeConnections();
    throw error;
  });
  const { metrics } = observability;
  const slack = slackSide(env, inventory, redis, keys, posterLogSink(logger, metrics));
  const worker = new Worker(
    UPGRADE_QUEUE,
    upgradeProcessor({
      redis,
      store,
      stopping: stopping.signal,
      log: (line, fields) => logger.info(fields ?? {}, `upgrade-worker: ${line}`),
      keys,
      workerId,
      env,
      host: (name) => hosts.get(name),
      reporter: metrics.reporter(slack?.reporter ?? consoleReporter(log)),
      ...(slack
        ? { isCancelled: async (id: string) => (await slack.store.get(id))?.state === "cancelled" }
        : {}),
    }),
    {
      connection: redis,
      prefix: bullPrefix(env.redisPrefix),
      concurrency: env.workerConcurrency,
      lockDuration: env.jobLockMs,
      lockRenewTime: env.jobLockRenewMs,
      stalledInterval: env.stalledIntervalMs,
      // A job whose worker died is handed to another worker this many times.
      maxStalledCount: 3,
    },
  );
  // Checks, plans and expiries: only where Slack is configured (they answer in Slack).
  const tasks = slack
    ? new Worker(TASK_QUEUE, slack.tasks, {
        connection: redis,
        prefix: bullPrefix(env.redisPrefix),
        concurrency: env.workerConcurrency,
        lockDuration: env.jobLockMs,
        lockRenewTime: env.jobLockRenewMs,
        stalledInterval: env.stalledIntervalMs,
      })
    : undefined;
  workers.push(worker, ...(tasks ? [tasks] : []));
  tasks?.on("failed", (job, error) =>
    logger.warn({ job: job?.id, err: error }, `task ${job?.id} failed: ${error.message}`),
  );
  worker.on("failed", (job, error) =>
    logger.warn({ job: job?.id, err: error }, `job ${job?.id} failed: ${error.message}`),
  );
  worker.on("completed", (job) => logger.info({ job: job.id }, `job ${job.id} completed`));
  for (const w of workers) {
    // While Redis is away, BullMQ's every failed call is an error event: the watch says it once.
    w.on("error", (error) => {
      if (watch.up) logger.error({ err: error }, `worker error: ${error.message}`);
    });
  }
  await worker.waitUntilReady();
  log(
    `upgrade-worker ${workerId} ready (${inventory.hosts.length} hosts, concurrency ${env.workerConcurrency})`,
  );

  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log(
        `upgrade-worker: ${signal}: taking no new jobs; jobs that stopped services finish (they start them again), others go back to the queue`,
      );
      resolve();
    };
    process.once("SIGTERM", () => stop("SIGTERM"));
    process.once("SIGINT", () => stop("SIGINT"));
  });
  stopping.abort();
  // With Redis away, closing would wait for it: nothing of ours is in flight then, so give up quickly.
  const closed = Promise.all([worker.close(), tasks?.close(), slack?.close()]);
  while (
    !(await Promise.race([closed.then(() => true), sleep(1000).then(() => false)])) &&
    watch.up
  );
  await Promise.race([observability.close(), sleep(1000)]);
  await closeConnections();
  log("upgrade-worker: stopped");
  return 0;
}

/**
 * With SLACK_BOT_TOKEN and the inventory's slack section, the worker reports
 * into each request's thread and runs the bot's tasks; it only queues
 * messages (in Redis): the bot process delivers them.
 */
function slackSide(
  env: AppEnv,
  inventory: Inventory,
  redis: Redis,
  keys: StoreKeys,
  posterLog: (entry: PosterLogEntry) => void,
) {
  if (!env.slackBotToken || !inventory.slack) return undefined;
  const poster = createSlackPoster({
    redis,
    prefix: posterPrefix(env.redisPrefix),
    log: posterLog,
    client: createPosterClient(
      env.slackBotToken,
      env.slackApiUrl ? { slackApiUrl: env.slackApiUrl } : {},
    ),
  });
  const store = new RequestStore(redis, keys);
  const policy = {
    approvers: new Set(inventory.slack.approvers),
    expiryMinutes: inventory.slack.requestExpiryMinutes,
  };
  const taskQueue = openQueue(TASK_QUEUE, redis, env.redisPrefix);
  return {
    store,
    reporter: slackReporter({ poster, store, inventory, policy, log }),
    tasks: taskProcessor({
      redis,
      keys,
      env,
      inventory,
      policy,
      poster,
      store,
      tasks: taskQueue,
      log,
    }),
    close: () => taskQueue.close(),
  };
}

main().then(
  (code) => {
    // Everything of ours is closed; what is left (BullMQ's retry timers while
    // Redis is away) must not keep the process alive.
    process.exit(code);
  },
  (error: unknown) => {
    if (error instanceof ConfigError) logger.fatal(error.message);
    else
      logger.fatal(
        { err: error },
        `upgrade-worker: ${error instanceof Error ? error.message : error}`,
      );
    process.exitCode = error instanceof ConfigError ? 2 : 1;
  },
);
