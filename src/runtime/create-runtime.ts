import { hostname } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import type { Queue, WorkerOptions } from "bullmq";
import type { Redis } from "ioredis";
import { consoleReporter } from "../chat/console-reporter.js";
import type { Reporter } from "../chat/runbook-event.js";
import type { Inventory } from "../config/inventory-schema.js";
import { type AppEnv, redisTargetOf } from "../config/read-env.js";
import type { ApprovalPolicy } from "../domain/upgrade-request.js";
import { probeServices } from "../kcm/probe-services.js";
import { bullJobQueue, bullTaskQueue } from "../queue/bull-queues.js";
import { openQueue } from "../queue/open-queue.js";
import type { TaskDeps } from "../queue/process-task.js";
import type { UpgradeWorkerContext } from "../queue/process-upgrade-job.js";
import { bullPrefix, UPGRADE_QUEUE } from "../queue/queue-names.js";
import { TASK_QUEUE } from "../queue/task-schemas.js";
import type { JobQueue, RequestChat, TaskQueue } from "../requests/ports.js";
import { healthGate } from "../runbook/health-gate.js";
import { hostChecker } from "../runbook/host-checker.js";
import { hostPrefetcher } from "../runbook/prefetch-host.js";
import {
  createSlackPoster,
  type PosterClient,
  type PosterLogEntry,
  type PosterSettings,
  type SlackPoster,
} from "../slack/poster/index.js";
import { posterPrefix } from "../slack/poster-prefix.js";
import { slackReporter } from "../slack/slack-reporter.js";
import { slackRequestChat } from "../slack/slack-request-chat.js";
import { sshConnector } from "../ssh/ssh-connector.js";
import { checkRedisPolicy } from "../store/check-redis-policy.js";
import { closeRedis, connectRedis, RedisWatch } from "../store/connect-redis.js";
import { RedisFleetNotices } from "../store/fleet-notices.js";
import { RedisFleetView } from "../store/fleet-view.js";
import { RedisHeartbeats } from "../store/heartbeats.js";
import { hostLockHolder } from "../store/host-lock.js";
import { RedisAuditLog } from "../store/redis-audit-log.js";
import { RedisDeliveries } from "../store/redis-deliveries.js";
import { RequestStore } from "../store/request-store.js";
import { RedisRolloutRuns } from "../store/rollout-runs.js";
import { type StoreKeys, storeKeys } from "../store/store-keys.js";
import { RedisUpgradeRecords } from "../store/upgrade-records.js";

/** Why a process cannot start with this Redis or these settings, and the exit code that says so. */
export class RuntimeError extends Error {
  override readonly name = "RuntimeError";
  readonly code = "runtime";

  constructor(
    message: string,
    /** 2: a setting is missing; 1: Redis is refused. */
    readonly exitCode: 1 | 2,
  ) {
    super(message);
  }
}

/** What differs between the processes, said explicitly. */
export interface RuntimeOptions {
  /** The process, for logs and the worker id. */
  name: string;
  env: AppEnv;
  inventory: Inventory;
  /** Where the process's own lines go (JSON lines in the bot and the worker). */
  log: { info(line: string, fields?: object): void; warn(line: string, fields?: object): void };
  /**
   * Where the chat goes: Slack's Web API (the bot, and workers that report
   * into threads), or the console's terminal. Unset: no chat at all (a
   * worker without Slack writes its events to its log).
   */
  chat?: {
    client: PosterClient;
    settings?: Partial<PosterSettings>;
    log?: (entry: PosterLogEntry) => void;
  };
  /**
   * How the request use cases reach Redis: `fail-fast` in the bot (a command
   * during an outage is answered at once that nothing changed), `queue` in
   * the workers (they wait Redis out).
   */
  requestsRedis: "fail-fast" | "queue";
  /** A fail-fast command's time limit. @defaultValue 3000 */
  storeCommandTimeoutMs?: number;
}

/** Everything a process shares with the others: connections, stores, queues, the chat. */
export interface Runtime {
  env: AppEnv;
  inventory: Inventory;
  keys: StoreKeys;
  /** The process's view of its Redis link: one log line each way, `/healthz`. */
  watch: RedisWatch;
  /** The queues' connection: waits an outage out (BullMQ needs that). */
  redis: Redis;
  /** A fail-fast connection: the runbook's journal and audit, the bot's commands. */
  store: Redis;
  requests: RequestStore;
  /** Where each host of a rollout is. */
  runs: RedisRolloutRuns;
  audit: RedisAuditLog;
  /** Which clicks were already acted on (Slack redelivers what it saw no ack for). */
  deliveries: RedisDeliveries;
  /** The state of the last scheduled fleet check's notice. */
  notices: RedisFleetNotices;
  /** Each host's last check, for the App Home. */
  fleet: RedisFleetView;
  queues: { tasks: Queue; upgrades: Queue };
  tasks: TaskQueue;
  jobs: JobQueue;
  poster?: SlackPoster;
  chat?: RequestChat;
  /** The runbook's events: into each request's thread, or the log without chat. */
  reporter: Reporter & { flush?: () => Promise<void> };
  /** The inventory's approvers (the bot adds the members of approver groups). */
  policy: ApprovalPolicy;
  workerId: string;
  /** BullMQ worker options, the same in every process that runs jobs. */
  workerOptions(): WorkerOptions;
  /** The task processor's use cases, with SSH checks through the inventory's hosts. */
  taskDeps(): TaskDeps;
  /** The upgrade processor's context. */
  upgradeContext(extra: Pick<UpgradeWorkerContext, "stopping">): UpgradeWorkerContext;
  /** Closes the queues, the poster and the connections, each within a second or so. */
  close(): Promise<void>;
}

/** Waits for `work`, at most `ms`: with Redis away, closing would wait for it. */
const within = (work: Promise<unknown>, ms = 1000) =>
  Promise.race([work.catch(() => undefined), sleep(ms)]);

/**
 * The one wiring of every process (bot, worker, console): Redis (watched,
 * refused unless `noeviction` and AOF), the stores, the queues, the poster
 * and the chat, the reporter, and the Worker options. Throws RuntimeError
 * when Redis is not configured or refused.
 */
export async function createRuntime(options: RuntimeOptions): Promise<Runtime> {
  const { env, inventory, log } = options;
  const target = redisTargetOf(env);
  if (!target) {
    throw new RuntimeError(
      `${options.name}: neither REDIS_URL nor REDIS_SENTINELS is set; point it at the Redis the bot and the workers share`,
      2,
    );
  }
  const watch = new RedisWatch({
    down: (message, fields) => log.warn(`${options.name}: ${message}`, fields),
    up: (message, fields) => log.info(`${options.name}: ${message}`, fields),
  });
  const redis = connectRedis(target, "queue", watch);
  const store = connectRedis(target, "fail-fast", watch, {
    ...(options.storeCommandTimeoutMs ? { commandTimeoutMs: options.storeCommandTimeoutMs } : {}),
  });
  const closeConnections = async () => {
    watch.stop();
    await Promise.all([closeRedis(redis), closeRedis(store)]);
  };
  const policyCheck = await checkRedisPolicy(redis);
  if (!policyCheck.ok) {
    await closeConnections();
    throw new RuntimeError(`${options.name}: refusing to start: ${policyCheck.message}`, 1);
  }
  const keys = storeKeys(env.redisPrefix);
  const requestsRedis = options.requestsRedis === "fail-fast" ? store : redis;
  const requests = new RequestStore(requestsRedis, keys, (line) =>
    log.warn(`${options.name}: ${line}`),
  );
  const audit = new RedisAuditLog(requestsRedis, keys);
  const runs = new RedisRolloutRuns(requestsRedis, keys);
  const queues = {
    tasks: openQueue(TASK_QUEUE, requestsRedis, env.redisPrefix),
    upgrades: openQueue(UPGRADE_QUEUE, requestsRedis, env.redisPrefix),
  };
  const poster = options.chat
    ? createSlackPoster({
        redis,
        prefix: posterPrefix(env.redisPrefix),
        client: options.chat.client,
        ...(options.chat.settings ? { settings: options.chat.settings } : {}),
        ...(options.chat.log ? { log: options.chat.log } : {}),
      })
    : undefined;
  const chatLog = (line: string) => log.info(`${options.name}: ${line}`);
  const chat = poster ? slackRequestChat({ poster, inventory, log: chatLog }) : undefined;
  const reporter = poster
    ? slackReporter({ poster, store: requests, runs, inventory, log: chatLog })
    : consoleReporter((line) => log.info(line));
  const slack = inventory.slack;
  const policy: ApprovalPolicy = {
    approvers: new Set(slack?.approvers ?? []),
    expiryMinutes: slack?.requestExpiryMinutes ?? 60,
  };
  const now = () => new Date();
  const tasks = bullTaskQueue(queues.tasks, now);
  const hostsByName = new Map(inventory.hosts.map((h) => [h.name, h]));
  const workerId = `${hostname()}:${process.pid}`;
  // Which inventory this process runs, said in Redis every 20 s (doctor compares them);
  // the first as soon as the store answers (the fail-fast connection refuses until then).
  const heartbeats = new RedisHeartbeats(store, keys);
  const beat = () =>
    heartbeats
      .beat({
        role: options.name,
        id: workerId,
        inventory: inventory.digest,
        source: inventory.source,
        at: new Date().toISOString(),
      })
      .then(
        () => true,
        () => false,
      );
  let heartbeat: NodeJS.Timeout | undefined;
  let closed = false;
  const firstBeat = async (tries: number) => {
    const done = await beat();
    if (closed) return;
    if (done || tries <= 1) heartbeat = setInterval(beat, 20_000).unref();
    else heartbeat = setTimeout(() => void firstBeat(tries - 1), 500).unref();
  };
  void firstBeat(40);
  const runtime: Runtime = {
    env,
    inventory,
    keys,
    watch,
    redis,
    store,
    requests,
    runs,
    audit,
    deliveries: new RedisDeliveries(requestsRedis, keys),
    notices: new RedisFleetNotices(requestsRedis, keys),
    fleet: new RedisFleetView(requestsRedis, keys),
    queues,
    tasks,
    jobs: bullJobQueue(queues.upgrades, now),
    ...(poster ? { poster } : {}),
    ...(chat ? { chat } : {}),
    reporter,
    policy,
    workerId,
    workerOptions: () => ({
      connection: redis,
      prefix: bullPrefix(env.redisPrefix),
      concurrency: env.workerConcurrency,
      lockDuration: env.jobLockMs,
      lockRenewTime: env.jobLockRenewMs,
      stalledInterval: env.stalledIntervalMs,
      // A job whose worker died is handed to another worker this many times.
      maxStalledCount: 3,
    }),
    taskDeps() {
      if (!chat) throw new Error(`${options.name}: tasks answer in the chat, and there is none`);
      const connect = sshConnector(inventory.hosts, { connectTimeoutMs: env.sshConnectTimeoutMs });
      const locks = { holderOf: (host: string) => hostLockHolder(redis, keys, host) };
      const checker = hostChecker({
        connect,
        commandTimeoutMs: env.checkCommandTimeoutMs,
        concurrency: env.checkConcurrency,
      });
      const gate = healthGate({
        connect,
        commandTimeoutMs: env.checkCommandTimeoutMs,
        probe: (host) =>
          probeServices({
            address: host.address,
            ...(host.health?.webUrl ? { webUrl: host.health.webUrl } : {}),
            ...(host.health?.guacdPort ? { guacdPort: host.health.guacdPort } : {}),
          }),
      });
      return {
        plan: {
          inventory,
          policy,
          requests,
          chat,
          tasks,
          checker,
          upgrades: new RedisUpgradeRecords(redis, keys),
          audit,
          now,
        },
        check: {
          inventory,
          checker,
          locks,
          chat,
          fleet: runtime.fleet,
          now,
        },
        notify: {
          inventory,
          checker,
          locks,
          notices: runtime.notices,
          chat,
          fleet: runtime.fleet,
          now,
        },
        expire: { policy, requests, chat, now },
        prefetch: {
          inventory,
          requests,
          runs,
          prefetcher: hostPrefetcher({
            connect,
            commandTimeoutMs: env.transactionTimeoutMs,
          }),
        },
        advance: {
          inventory,
          policy,
          requests,
          runs,
          jobs: runtime.jobs,
          tasks,
          gate,
          chat,
          audit,
          now,
        },
      };
    },
    upgradeContext: (extra) => ({
      redis,
      store,
      keys,
      workerId,
      env,
      host: (name) => hostsByName.get(name),
      reporter,
      requests: { policy, requests, runs, tasks, now },
      log: (line, fields) => log.info(`${options.name}: ${line}`, fields ?? {}),
      ...extra,
    }),
    async close() {
      closed = true;
      // One clear for either: Node's timeouts and intervals share their handles.
      clearTimeout(heartbeat);
      await within(heartbeats.forget({ role: options.name, id: workerId }).catch(() => undefined));
      await within(poster?.stop() ?? Promise.resolve());
      await within(Promise.all([queues.tasks.close(), queues.upgrades.close()]));
      await closeConnections();
    },
  };
  return runtime;
}
