import type { Redis } from "ioredis";
import type { AppEnv } from "../config/read-env.js";
import { openQueue } from "../queue/open-queue.js";
import { UPGRADE_QUEUE } from "../queue/queue-names.js";
import { TASK_QUEUE } from "../queue/task-schemas.js";
import { checkHealth, type HealthParts } from "./check-health.js";
import { createMetrics, type Metrics } from "./create-metrics.js";
import { startDashboard } from "./start-dashboard.js";
import { type RunningServer, startMetricsServer } from "./start-metrics-server.js";

/** What a process brings to its observability. */
export interface ObservabilityOptions {
  env: Pick<
    AppEnv,
    | "redisPrefix"
    | "metricsHost"
    | "dashboardPort"
    | "dashboardHost"
    | "dashboardUser"
    | "dashboardPassword"
  >;
  /** The process's connection (the queues counted and shown share it). */
  redis: Redis;
  /** This process's `/healthz` and `/metrics` port; unset: no such server. */
  metricsPort: number | undefined;
  /** The process's BullMQ workers, for `/healthz`; filled in as they are made. */
  workers?: HealthParts["workers"];
  /** The process's view of its Redis link, for `/healthz`. */
  watch?: HealthParts["watch"];
  /** The bot's Socket Mode link to Slack, for `/healthz`. */
  slack?: HealthParts["slack"];
  /** Whether this process serves the queue dashboard (when `KCM_DASHBOARD_PORT` is set). */
  dashboard?: boolean;
  /** Says where each server listens. */
  log: (line: string) => void;
}

/** A process's metrics, and the servers that show them. */
export interface Observability {
  metrics: Metrics;
  /** Stops the servers and closes the queues (not the connection). */
  close(): Promise<void>;
}

/**
 * Makes the process's metrics (the job-state gauge counts both queues) and
 * starts the metrics server and the dashboard where their ports are set.
 * When one cannot start (a port taken, the dashboard without a login), starts
 * neither and throws why.
 */
export async function startObservability(options: ObservabilityOptions): Promise<Observability> {
  const { env, redis } = options;
  const queues = [UPGRADE_QUEUE, TASK_QUEUE].map((name) => openQueue(name, redis, env.redisPrefix));
  const metrics = createMetrics({ queues });
  const started: RunningServer[] = [];
  const close = async () => {
    await Promise.all(started.map((server) => server.close()));
    await Promise.all(queues.map((queue) => queue.close()));
  };
  try {
    // The dashboard first: its refusal (no login) comes before anything listens.
    if (options.dashboard && env.dashboardPort !== undefined) {
      const server = await startDashboard({
        queues,
        port: env.dashboardPort,
        host: env.dashboardHost,
        user: env.dashboardUser,
        password: env.dashboardPassword,
      });
      started.push(server);
      options.log(`queue dashboard on ${server.url}/ (read-only, behind a login)`);
    }
    if (options.metricsPort !== undefined) {
      const server = await startMetricsServer({
        registry: metrics.registry,
        port: options.metricsPort,
        host: env.metricsHost,
        health: () =>
          checkHealth({
            redis,
            ...(options.workers ? { workers: options.workers } : {}),
            ...(options.watch ? { watch: options.watch } : {}),
            ...(options.slack ? { slack: options.slack } : {}),
          }),
      });
      started.push(server);
      options.log(`health and metrics on ${server.url}/healthz and ${server.url}/metrics`);
    }
  } catch (error) {
    await close();
    throw error;
  }
  return { metrics, close };
}
