/**
 * The upgrade worker process: takes approved upgrade jobs off the queue and
 * runs the runbook on their hosts. Several can run, on several machines,
 * against one Redis. Environment: see src/config/read-env.ts (REDIS_URL is
 * required). SIGTERM/SIGINT: takes no new jobs, lets running ones finish.
 */
import { hostname } from "node:os";
import { Worker } from "bullmq";
import { Redis } from "ioredis";
import { consoleReporter } from "../src/chat/console-reporter.js";
import { ConfigError } from "../src/config/config-error.js";
import { loadInventory } from "../src/config/load-inventory.js";
import { readEnv } from "../src/config/read-env.js";
import { upgradeProcessor } from "../src/queue/process-upgrade-job.js";
import { bullPrefix, UPGRADE_QUEUE } from "../src/queue/queue-names.js";
import { checkRedisPolicy } from "../src/store/check-redis-policy.js";
import { storeKeys } from "../src/store/store-keys.js";

const log = (line: string) => process.stdout.write(`${line}\n`);

async function main(): Promise<number> {
  const env = readEnv();
  if (!env.redisUrl) {
    log("upgrade-worker: REDIS_URL is not set; point it at the Redis the bot uses");
    return 2;
  }
  // BullMQ needs maxRetriesPerRequest: null, or a Redis hiccup fails jobs.
  const redis = new Redis(env.redisUrl, { maxRetriesPerRequest: null });
  const policy = await checkRedisPolicy(redis);
  if (!policy.ok) {
    log(`upgrade-worker: refusing to start: ${policy.message}`);
    await redis.quit();
    return 1;
  }
  const inventory = await loadInventory(env.inventoryPath).catch(async (error: unknown) => {
    await redis.quit();
    throw error;
  });
  const workerId = `${hostname()}:${process.pid}`;
  const hosts = new Map(inventory.hosts.map((h) => [h.name, h]));
  const worker = new Worker(
    UPGRADE_QUEUE,
    upgradeProcessor({
      redis,
      keys: storeKeys(env.redisPrefix),
      workerId,
      env,
      host: (name) => hosts.get(name),
      reporter: consoleReporter(log),
    }),
    {
      connection: redis,
      prefix: bullPrefix(env.redisPrefix),
      concurrency: env.workerConcurrency,
      lockDuration: env.jobLockMs,
      stalledInterval: env.stalledIntervalMs,
      // A job whose worker died is handed to another worker this many times.
      maxStalledCount: 3,
    },
  );
  worker.on("failed", (job, error) => log(`job ${job?.id} failed: ${error.message}`));
  worker.on("completed", (job) => log(`job ${job.id} completed`));
  worker.on("error", (error) => log(`worker error: ${error.message}`));
  await worker.waitUntilReady();
  log(
    `upgrade-worker ${workerId} ready (${inventory.hosts.length} hosts, concurrency ${env.workerConcurrency})`,
  );

  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log(`upgrade-worker: ${signal}: taking no new jobs; letting running jobs finish`);
      resolve();
    };
    process.once("SIGTERM", () => stop("SIGTERM"));
    process.once("SIGINT", () => stop("SIGINT"));
  });
  await worker.close();
  await redis.quit();
  log("upgrade-worker: stopped");
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    log(
      error instanceof ConfigError
        ? error.message
        : `upgrade-worker: ${error instanceof Error ? error.stack : error}`,
    );
    process.exitCode = error instanceof ConfigError ? 2 : 1;
  },
);
