import { isIP } from "node:net";
import { z } from "zod";
import { ConfigError } from "./config-error.js";
import { describeValue } from "./flatten-zod-issues.js";

/** Where Redis is: one server by URL, or a Sentinel-watched primary by name. */
export type RedisTarget =
  | { kind: "url"; url: string }
  | {
      kind: "sentinel";
      sentinels: { host: string; port: number }[];
      /** The name the sentinels monitor the primary by (`sentinel monitor <name> ...`). */
      name: string;
      password?: string;
    };

/** Log levels, most severe first; `silent` writes nothing. */
export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Settings from the environment: paths and secrets, never inventory data. */
export interface AppEnv {
  /**
   * The inventory file (`KCM_INVENTORY`).
   * @defaultValue "/etc/kcm-chatops/inventory.yml"
   */
  inventoryPath: string;
  /**
   * How many hosts `check` talks to at once (`KCM_CHECK_CONCURRENCY`, 1 to 64).
   * @defaultValue 8
   */
  checkConcurrency: number;
  /**
   * How long an SSH connection may take to open, in ms (`KCM_SSH_CONNECT_TIMEOUT_MS`, 1000 to 300000).
   * @defaultValue 30000
   */
  sshConnectTimeoutMs: number;
  /**
   * How long one check command may run, in ms (`KCM_CHECK_TIMEOUT_MS`, 1000 to 3600000).
   * A yum that refreshes its metadata over a slow mirror takes minutes.
   * @defaultValue 120000
   */
  checkCommandTimeoutMs: number;
  /** Redis, `redis://` or `rediss://` (`REDIS_URL`); optional until a part of the bot needs it. */
  redisUrl?: string;
  /**
   * Redis behind Sentinel instead (`REDIS_SENTINELS`, `host:port,host:port`):
   * the processes ask the sentinels where the primary is, and follow a failover.
   */
  redisSentinels?: { host: string; port: number }[];
  /** The primary's name as the sentinels monitor it (`REDIS_SENTINEL_NAME`). @defaultValue "kcm" */
  redisSentinelName: string;
  /** The primary's password in Sentinel mode (`REDIS_PASSWORD`); with REDIS_URL, it is in the URL. */
  redisPassword?: string;
  /**
   * Prefix of every Redis key, BullMQ's included (`KCM_REDIS_PREFIX`): deployments sharing a Redis use different ones.
   * @defaultValue "kcm"
   */
  redisPrefix: string;
  /**
   * Jobs one worker process runs at once, each on a different host (`KCM_WORKER_CONCURRENCY`, 1 to 64).
   * @defaultValue 4
   */
  workerConcurrency: number;
  /**
   * BullMQ's job lock, in ms (`KCM_JOB_LOCK_MS`): a worker silent this long
   * has its job handed to another. Short, so that a worker that dies while
   * the services are stopped costs seconds of downtime, not a minute; its
   * holder renews it every `jobLockRenewMs`, so an event loop may stall for
   * nearly `jobLockMs - jobLockRenewMs` before another worker takes over.
   * @defaultValue 5000
   */
  jobLockMs: number;
  /** How often a worker renews its jobs' locks, in ms (`KCM_JOB_LOCK_RENEW_MS`). @defaultValue 1000 */
  jobLockRenewMs: number;
  /**
   * How often workers look for jobs whose worker died, in ms (`KCM_STALLED_INTERVAL_MS`).
   * @defaultValue 1500
   */
  stalledIntervalMs: number;
  /**
   * The host lock's time to live, in ms (`KCM_HOST_LOCK_TTL_MS`); its holder renews it every third of that.
   * @defaultValue 60000
   */
  hostLockTtlMs: number;
  /**
   * How long a yum transaction may run, in ms (`KCM_TRANSACTION_TIMEOUT_MS`).
   * @defaultValue 1800000
   */
  transactionTimeoutMs: number;
  /**
   * How long a job waits before trying again when another job holds its host, in ms (`KCM_BUSY_RETRY_MS`).
   * @defaultValue 15000
   */
  busyRetryMs: number;
  /**
   * Once the services are stopped, how long past the window's end the worker
   * keeps trying to reach a host that stopped answering, in ms
   * (`KCM_RECONNECT_MARGIN_MS`); then it gives up and says the services are down.
   * @defaultValue 1800000 (30 minutes)
   */
  reconnectMarginMs: number;
  /**
   * The longest wait between two tries to reach such a host, in ms
   * (`KCM_RECONNECT_MAX_DELAY_MS`): a refused connection costs little, and
   * each second of waiting past the host's return is downtime.
   * @defaultValue 5000
   */
  reconnectMaxDelayMs: number;
  /** How the bot hears from Slack (`KCM_SLACK_MODE`): Socket Mode needs no public URL. @defaultValue "socket" */
  slackMode: "socket" | "http";
  /** The HTTP port in `http` mode (`KCM_HTTP_PORT`). @defaultValue 3000 */
  httpPort: number;
  /**
   * Socket Mode's reconnect backoff, in ms: the first wait after a failed try
   * (`KCM_SLACK_RECONNECT_MIN_MS`), doubled each try up to
   * `KCM_SLACK_RECONNECT_MAX_MS`. The bot never gives up on Slack.
   * @defaultValue 1000 and 30000
   */
  slackReconnect: { minMs: number; maxMs: number };
  /** Secrets, never echoed: `SLACK_BOT_TOKEN` (xoxb-), `SLACK_APP_TOKEN` (xapp-, Socket Mode), `SLACK_SIGNING_SECRET` (HTTP mode). */
  slackBotToken?: string;
  slackAppToken?: string;
  slackSigningSecret?: string;
  /** Another Slack Web API base URL (`SLACK_API_URL`), e.g. a proxy; tests point it at a local server. */
  slackApiUrl?: string;
  /** The least severe level logged (`KCM_LOG_LEVEL`): fatal, error, warn, info, debug, trace or silent. @defaultValue "info" */
  logLevel: LogLevel;
  /** The worker's `/healthz` and `/metrics` port (`KCM_METRICS_PORT`); unset: no such server. */
  metricsPort?: number;
  /** The bot's `/healthz` and `/metrics` port (`KCM_BOT_METRICS_PORT`); unset: no such server. */
  botMetricsPort?: number;
  /** The address the metrics servers listen on (`KCM_METRICS_HOST`). @defaultValue "127.0.0.1" */
  metricsHost: string;
  /** The bot's queue dashboard port (`KCM_DASHBOARD_PORT`); unset: no dashboard. */
  dashboardPort?: number;
  /** The address the dashboard listens on (`KCM_DASHBOARD_HOST`). @defaultValue "127.0.0.1" */
  dashboardHost: string;
  /** The dashboard's login (`KCM_DASHBOARD_USER`, `KCM_DASHBOARD_PASSWORD`); it is never served without both. */
  dashboardUser?: string;
  dashboardPassword?: string;
}

/** An unset or empty variable: both mean "use the default" (as in env files). */
const unset = (value: string | undefined): value is undefined | "" =>
  value === undefined || value === "";

/** A whole number in a range; only digits, so "1.5", "1e3", " 8" and "0x10" are refused. */
function wholeNumber<F extends number | undefined>(min: number, max: number, fallback: F) {
  return z
    .string()
    .optional()
    .transform((text, context) => {
      if (unset(text)) return fallback;
      const value = /^\d{1,16}$/.test(text) ? Number(text) : Number.NaN;
      if (value >= min && value <= max) return value as number | F;
      const message = `expected a whole number from ${min} to ${max}, got ${describeValue(text)}`;
      context.addIssue({ code: "custom", message });
      return z.NEVER;
    });
}

const envSchema = z
  .object({
    KCM_INVENTORY: z
      .string()
      .optional()
      .transform((text) => (unset(text) ? "/etc/kcm-chatops/inventory.yml" : text)),
    KCM_CHECK_CONCURRENCY: wholeNumber(1, 64, 8),
    KCM_SSH_CONNECT_TIMEOUT_MS: wholeNumber(1000, 300_000, 30_000),
    KCM_CHECK_TIMEOUT_MS: wholeNumber(1000, 3_600_000, 120_000),
    KCM_REDIS_PREFIX: z
      .string()
      .optional()
      .refine((text) => unset(text) || /^[A-Za-z0-9_-]{1,32}$/.test(text), {
        message: "expected 1 to 32 letters, digits, '_' or '-'",
      })
      .transform((text) => (unset(text) ? "kcm" : text)),
    KCM_WORKER_CONCURRENCY: wholeNumber(1, 64, 4),
    KCM_JOB_LOCK_MS: wholeNumber(1000, 600_000, 5000),
    KCM_JOB_LOCK_RENEW_MS: wholeNumber(100, 300_000, 1000),
    KCM_STALLED_INTERVAL_MS: wholeNumber(500, 600_000, 1500),
    KCM_HOST_LOCK_TTL_MS: wholeNumber(1000, 3_600_000, 60_000),
    KCM_TRANSACTION_TIMEOUT_MS: wholeNumber(10_000, 14_400_000, 1_800_000),
    KCM_BUSY_RETRY_MS: wholeNumber(100, 600_000, 15_000),
    KCM_RECONNECT_MARGIN_MS: wholeNumber(0, 86_400_000, 1_800_000),
    KCM_RECONNECT_MAX_DELAY_MS: wholeNumber(100, 300_000, 5000),
    KCM_SLACK_MODE: z
      .string()
      .optional()
      .refine((text) => unset(text) || text === "socket" || text === "http", {
        message: 'expected "socket" or "http"',
      })
      .transform((text) => (text === "http" ? "http" : "socket") as "socket" | "http"),
    KCM_HTTP_PORT: wholeNumber(1, 65535, 3000),
    KCM_SLACK_RECONNECT_MIN_MS: wholeNumber(1, 600_000, 1000),
    KCM_SLACK_RECONNECT_MAX_MS: wholeNumber(1, 3_600_000, 30_000),
    SLACK_BOT_TOKEN: secret(/^xoxb-/, "a bot token (xoxb-...)"),
    SLACK_APP_TOKEN: secret(/^xapp-/, "an app-level token (xapp-...)"),
    SLACK_SIGNING_SECRET: secret(/^[0-9a-f]{16,}$/, "the app's signing secret (hex)"),
    SLACK_API_URL: z
      .string()
      .optional()
      .refine((text) => unset(text) || /^https?:\/\/.+\/$/.test(text), {
        message: "expected an http(s) URL ending in /",
      }),
    KCM_LOG_LEVEL: z
      .string()
      .optional()
      .refine((text) => unset(text) || (LOG_LEVELS as readonly string[]).includes(text), {
        message: `expected one of ${LOG_LEVELS.join(", ")}`,
      })
      .transform((text) => (unset(text) ? "info" : (text as LogLevel))),
    KCM_METRICS_PORT: wholeNumber(1, 65535, undefined),
    KCM_BOT_METRICS_PORT: wholeNumber(1, 65535, undefined),
    KCM_METRICS_HOST: listenAddress(),
    KCM_DASHBOARD_PORT: wholeNumber(1, 65535, undefined),
    KCM_DASHBOARD_HOST: listenAddress(),
    KCM_DASHBOARD_USER: z
      .string()
      .optional()
      .refine((text) => unset(text) || /^[^:\s]{1,64}$/.test(text), {
        message: "expected 1 to 64 characters, without ':' or spaces",
      }),
    KCM_DASHBOARD_PASSWORD: secret(/^.{8,}$/, "at least 8 characters"),
    // The value is never echoed: it may hold a password.
    REDIS_URL: z
      .string()
      .optional()
      .refine((text) => unset(text) || isRedisUrl(text), {
        message: "expected a redis:// or rediss:// URL",
      }),
    REDIS_SENTINELS: z
      .string()
      .optional()
      .transform((text, context) => {
        if (unset(text)) return undefined;
        const sentinels = text.split(",").map((item) => {
          const match = /^([A-Za-z0-9.-]+|\[[0-9A-Fa-f:]+\]):(\d{1,5})$/.exec(item.trim());
          const port = Number(match?.[2]);
          return match && port >= 1 && port <= 65535
            ? { host: (match[1] as string).replace(/^\[|\]$/g, ""), port }
            : undefined;
        });
        if (sentinels.every((s) => s !== undefined))
          return sentinels as { host: string; port: number }[];
        context.addIssue({
          code: "custom",
          message: `expected host:port[,host:port...], got ${describeValue(text)}`,
        });
        return z.NEVER;
      }),
    REDIS_SENTINEL_NAME: z
      .string()
      .optional()
      .refine((text) => unset(text) || /^[A-Za-z0-9._-]{1,64}$/.test(text), {
        message: "expected 1 to 64 letters, digits, '.', '_' or '-'",
      })
      .transform((text) => (unset(text) ? "kcm" : text)),
    REDIS_PASSWORD: secret(/^.{1,512}$/, "a password"),
  })
  .transform(
    (env): AppEnv => ({
      inventoryPath: env.KCM_INVENTORY,
      checkConcurrency: env.KCM_CHECK_CONCURRENCY,
      sshConnectTimeoutMs: env.KCM_SSH_CONNECT_TIMEOUT_MS,
      checkCommandTimeoutMs: env.KCM_CHECK_TIMEOUT_MS,
      ...(unset(env.REDIS_URL) ? {} : { redisUrl: env.REDIS_URL }),
      ...(env.REDIS_SENTINELS === undefined ? {} : { redisSentinels: env.REDIS_SENTINELS }),
      redisSentinelName: env.REDIS_SENTINEL_NAME,
      ...(unset(env.REDIS_PASSWORD) ? {} : { redisPassword: env.REDIS_PASSWORD }),
      redisPrefix: env.KCM_REDIS_PREFIX,
      workerConcurrency: env.KCM_WORKER_CONCURRENCY,
      jobLockMs: env.KCM_JOB_LOCK_MS,
      jobLockRenewMs: env.KCM_JOB_LOCK_RENEW_MS,
      stalledIntervalMs: env.KCM_STALLED_INTERVAL_MS,
      hostLockTtlMs: env.KCM_HOST_LOCK_TTL_MS,
      transactionTimeoutMs: env.KCM_TRANSACTION_TIMEOUT_MS,
      busyRetryMs: env.KCM_BUSY_RETRY_MS,
      reconnectMarginMs: env.KCM_RECONNECT_MARGIN_MS,
      reconnectMaxDelayMs: env.KCM_RECONNECT_MAX_DELAY_MS,
      slackMode: env.KCM_SLACK_MODE,
      httpPort: env.KCM_HTTP_PORT,
      slackReconnect: {
        minMs: env.KCM_SLACK_RECONNECT_MIN_MS,
        maxMs: Math.max(env.KCM_SLACK_RECONNECT_MIN_MS, env.KCM_SLACK_RECONNECT_MAX_MS),
      },
      ...(unset(env.SLACK_BOT_TOKEN) ? {} : { slackBotToken: env.SLACK_BOT_TOKEN }),
      ...(unset(env.SLACK_APP_TOKEN) ? {} : { slackAppToken: env.SLACK_APP_TOKEN }),
      ...(unset(env.SLACK_SIGNING_SECRET) ? {} : { slackSigningSecret: env.SLACK_SIGNING_SECRET }),
      ...(unset(env.SLACK_API_URL) ? {} : { slackApiUrl: env.SLACK_API_URL }),
      logLevel: env.KCM_LOG_LEVEL,
      ...(env.KCM_METRICS_PORT === undefined ? {} : { metricsPort: env.KCM_METRICS_PORT }),
      ...(env.KCM_BOT_METRICS_PORT === undefined
        ? {}
        : { botMetricsPort: env.KCM_BOT_METRICS_PORT }),
      metricsHost: env.KCM_METRICS_HOST,
      ...(env.KCM_DASHBOARD_PORT === undefined ? {} : { dashboardPort: env.KCM_DASHBOARD_PORT }),
      dashboardHost: env.KCM_DASHBOARD_HOST,
      ...(unset(env.KCM_DASHBOARD_USER) ? {} : { dashboardUser: env.KCM_DASHBOARD_USER }),
      ...(unset(env.KCM_DASHBOARD_PASSWORD)
        ? {}
        : { dashboardPassword: env.KCM_DASHBOARD_PASSWORD }),
    }),
  );

/**
 * Reads the bot's settings from the environment: the one place that reads
 * `process.env`. Throws {@link ConfigError} with code `invalid-environment`,
 * naming every bad variable at once.
 */
export function readEnv(env: NodeJS.ProcessEnv = process.env): AppEnv {
  const parsed = envSchema.safeParse(env);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((issue) => ({
    path: issue.path.map(String).join("."),
    message: issue.message,
  }));
  throw new ConfigError("invalid-environment", "environment", issues);
}

/** A secret: checked for its form, never echoed in a message. */
function secret(form: RegExp, what: string) {
  return z
    .string()
    .optional()
    .refine((text) => unset(text) || form.test(text), {
      message: `expected ${what}; the value is not shown`,
    });
}

/** An address to listen on: an IP address or a host name. @defaultValue "127.0.0.1" (this machine only) */
function listenAddress() {
  return z
    .string()
    .optional()
    .refine(
      (text) =>
        unset(text) || isIP(text) !== 0 || /^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252})$/.test(text),
      {
        message: "expected an IP address or a host name",
      },
    )
    .transform((text) => (unset(text) ? "127.0.0.1" : text));
}

function isRedisUrl(text: string): boolean {
  try {
    const { protocol } = new URL(text);
    return protocol === "redis:" || protocol === "rediss:";
  } catch {
    return false;
  }
}

/**
 * Where the processes find Redis: Sentinel when REDIS_SENTINELS is set, else
 * REDIS_URL; undefined when neither is.
 */
export function redisTargetOf(env: AppEnv): RedisTarget | undefined {
  if (env.redisSentinels) {
    return {
      kind: "sentinel",
      sentinels: env.redisSentinels,
      name: env.redisSentinelName,
      ...(env.redisPassword === undefined ? {} : { password: env.redisPassword }),
    };
  }
  return env.redisUrl === undefined ? undefined : { kind: "url", url: env.redisUrl };
}
