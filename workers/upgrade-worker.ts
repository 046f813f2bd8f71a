/**
 * The upgrade worker process: takes approved upgrade jobs off the queue and
 * runs the runbook on their hosts. Several can run, on several machines,
 * against one Redis. Environment: see src/config/read-env.ts (REDIS_URL or
 * REDIS_SENTINELS is required). SIGTERM/SIGINT: takes no new jobs; a job
 * that stopped the services finishes, one that had not goes back to the queue.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { Worker } from "bullmq";
import { ConfigError } from "../src/config/config-error.js";
import { loadInventory } from "../src/config/load-inventory.js";
import { readEnv } from "../src/config/read-env.js";
import { createLogger } from "../src/observability/create-logger.js";
import { posterLogSink } from "../src/observability/poster-log-sink.js";
import { secretsOf } from "../src/observability/secrets-of.js";
import { startObservability } from "../src/observability/start-observability.js";
import { taskProcessor } from "../src/queue/process-task.js";
import { upgradeProcessor } from "../src/queue/process-upgrade-job.js";
import { UPGRADE_QUEUE } from "../src/queue/queue-names.js";
import { TASK_QUEUE } from "../src/queue/task-schemas.js";
import { createRuntime, RuntimeError } from "../src/runtime/create-runtime.js";
import { runtimeLog } from "../src/runtime/runtime-log.js";
import { createPosterClient, type PosterLogEntry } from "../src/slack/poster/index.js";

// JSON lines on stdout; the level and the secrets are known once the environment is read.
let logger = createLogger({ name: "upgrade-worker" });
const log = (line: string) => logger.info(line);

async function main(): Promise<number> {
  const env = readEnv();
  logger = createLogger({ name: "upgrade-worker", level: env.logLevel, secrets: secretsOf(env) });
  const inventory = await loadInventory(env.inventoryPath);
  // With a Slack token and the inventory's slack section, the worker reports into each
  // request's thread and runs the bot's tasks; it only queues messages: the bot delivers them.
  const slack = env.slackBotToken && inventory.slack ? env.slackBotToken : undefined;
  let posterLog = (entry: PosterLogEntry) => logger.info({ poster: entry }, "slack poster");
  const runtime = await createRuntime({
    name: "upgrade-worker",
    env,
    inventory,
    log: runtimeLog(() => logger),
    requestsRedis: "queue",
    ...(slack
      ? {
          chat: {
            client: createPosterClient(
              slack,
              env.slackApiUrl ? { slackApiUrl: env.slackApiUrl } : {},
            ),
            log: (entry: PosterLogEntry) => posterLog(entry),
          },
        }
      : {}),
  });
  const workers: Worker[] = [];
  const observability = await startObservability({
    env,
    redis: runtime.redis,
    metricsPort: env.metricsPort,
    workers,
    watch: runtime.watch,
    log: (line) => log(`upgrade-worker: ${line}`),
  }).catch(async (error: unknown) => {
    await runtime.close();
    throw error;
  });
  const { metrics } = observability;
  posterLog = posterLogSink(logger, metrics);
  const stopping = new AbortController();
  const context = runtime.upgradeContext({ stopping: stopping.signal });
  const worker = new Worker(
    UPGRADE_QUEUE,
    upgradeProcessor({ ...context, reporter: metrics.reporter(context.reporter) }),
    runtime.workerOptions(),
  );
  // Checks, plans and expiries: only where Slack is configured (they answer in Slack).
  const tasks = runtime.chat
    ? new Worker(TASK_QUEUE, taskProcessor(runtime.taskDeps()), runtime.workerOptions())
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
      if (runtime.watch.up) logger.error({ err: error }, `worker error: ${error.message}`);
    });
  }
  await worker.waitUntilReady();
  log(
    `upgrade-worker ${runtime.workerId} ready (${inventory.hosts.length} hosts, concurrency ${env.workerConcurrency})`,
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
  const closed = Promise.all([worker.close(), tasks?.close()]);
  while (
    !(await Promise.race([closed.then(() => true), sleep(1000).then(() => false)])) &&
    runtime.watch.up
  );
  await Promise.race([observability.close(), sleep(1000)]);
  await runtime.close();
  log("upgrade-worker: stopped");
  return 0;
}

main().then(
  (code) => {
    // Everything of ours is closed; what is left (BullMQ's retry timers while
    // Redis is away) must not keep the process alive.
    process.exit(code);
  },
  (error: unknown) => {
    if (error instanceof ConfigError || error instanceof RuntimeError) logger.fatal(error.message);
    else
      logger.fatal(
        { err: error },
        `upgrade-worker: ${error instanceof Error ? error.message : error}`,
      );
    process.exitCode =
      error instanceof RuntimeError ? error.exitCode : error instanceof ConfigError ? 2 : 1;
  },
);
