import { describe, expect, it } from "vitest";
import { ConfigError } from "../../../src/config/config-error.js";
import { readEnv, redisTargetOf } from "../../../src/config/read-env.js";

/** The ConfigError readEnv throws for `env`; fails the test if it does not throw one. */
function envError(env: NodeJS.ProcessEnv): ConfigError {
  try {
    readEnv(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("readEnv accepted the environment");
}

/** What readEnv gives for an empty environment. */
const DEFAULTS = {
  inventoryPath: "/etc/kcm-chatops/inventory.yml",
  checkConcurrency: 8,
  sshConnectTimeoutMs: 30_000,
  checkCommandTimeoutMs: 120_000,
  redisPrefix: "kcm",
  workerConcurrency: 4,
  jobLockMs: 5000,
  jobLockRenewMs: 1000,
  stalledIntervalMs: 1500,
  hostLockTtlMs: 60_000,
  transactionTimeoutMs: 1_800_000,
  busyRetryMs: 15_000,
  reconnectMarginMs: 1_800_000,
  reconnectMaxDelayMs: 5000,
  redisSentinelName: "kcm",
  slackMode: "socket",
  httpPort: 3000,
  slackReconnect: { minMs: 1000, maxMs: 30_000 },
  logLevel: "info",
  metricsHost: "127.0.0.1",
  dashboardHost: "127.0.0.1",
};

describe("readEnv", () => {
  it("gives the defaults for an empty environment, and no redisUrl", () => {
    expect(readEnv({})).toEqual(DEFAULTS);
    expect(readEnv({})).not.toHaveProperty("redisUrl");
    expect(readEnv({})).not.toHaveProperty("metricsPort");
    expect(readEnv({})).not.toHaveProperty("dashboardPort");
  });

  it("treats an empty variable as unset", () => {
    expect(readEnv({ KCM_CHECK_CONCURRENCY: "", KCM_INVENTORY: "", REDIS_URL: "" })).toEqual(
      readEnv({}),
    );
  });

  it("reads every variable", () => {
    expect(
      readEnv({
        KCM_INVENTORY: "/srv/inventory.yml",
        KCM_CHECK_CONCURRENCY: "64",
        KCM_SSH_CONNECT_TIMEOUT_MS: "1000",
        KCM_CHECK_TIMEOUT_MS: "3600000",
        REDIS_URL: "rediss://:secret@redis.internal:6380/2",
        KCM_REDIS_PREFIX: "kcm-staging",
        KCM_WORKER_CONCURRENCY: "2",
        KCM_JOB_LOCK_MS: "5000",
        KCM_JOB_LOCK_RENEW_MS: "500",
        KCM_STALLED_INTERVAL_MS: "1000",
        KCM_HOST_LOCK_TTL_MS: "9000",
        KCM_TRANSACTION_TIMEOUT_MS: "60000",
        KCM_BUSY_RETRY_MS: "250",
        KCM_RECONNECT_MARGIN_MS: "0",
        KCM_RECONNECT_MAX_DELAY_MS: "2000",
        UNRELATED: "ignored",
      }),
    ).toEqual({
      // What no variable here sets keeps its default (Sentinel, Slack, logging, metrics).
      ...DEFAULTS,
      inventoryPath: "/srv/inventory.yml",
      checkConcurrency: 64,
      sshConnectTimeoutMs: 1000,
      checkCommandTimeoutMs: 3_600_000,
      redisUrl: "rediss://:secret@redis.internal:6380/2",
      redisPrefix: "kcm-staging",
      workerConcurrency: 2,
      jobLockMs: 5000,
      jobLockRenewMs: 500,
      stalledIntervalMs: 1000,
      hostLockTtlMs: 9000,
      transactionTimeoutMs: 60_000,
      busyRetryMs: 250,
      reconnectMarginMs: 0,
      reconnectMaxDelayMs: 2000,
    });
  });

  it("reads the logging, metrics and dashboard settings", () => {
    expect(
      readEnv({
        KCM_LOG_LEVEL: "debug",
        KCM_METRICS_PORT: "9464",
        KCM_BOT_METRICS_PORT: "9465",
        KCM_METRICS_HOST: "0.0.0.0",
        KCM_DASHBOARD_PORT: "3100",
        KCM_DASHBOARD_HOST: "::1",
        KCM_DASHBOARD_USER: "ops",
        KCM_DASHBOARD_PASSWORD: "correct horse battery",
      }),
    ).toMatchObject({
      logLevel: "debug",
      metricsPort: 9464,
      botMetricsPort: 9465,
      metricsHost: "0.0.0.0",
      dashboardPort: 3100,
      dashboardHost: "::1",
      dashboardUser: "ops",
      dashboardPassword: "correct horse battery",
    });
    expect(readEnv({ KCM_METRICS_HOST: "metrics.internal" }).metricsHost).toBe("metrics.internal");
  });

  it("refuses bad logging, metrics and dashboard settings, never echoing the password", () => {
    const error = envError({
      KCM_LOG_LEVEL: "verbose",
      KCM_METRICS_PORT: "0",
      KCM_BOT_METRICS_PORT: "65536",
      KCM_METRICS_HOST: "not a host",
      KCM_DASHBOARD_PORT: "http",
      KCM_DASHBOARD_USER: "ops:admin",
      KCM_DASHBOARD_PASSWORD: "short",
    });
    expect(error.issues).toEqual([
      {
        path: "KCM_LOG_LEVEL",
        message: "expected one of fatal, error, warn, info, debug, trace, silent",
      },
      { path: "KCM_METRICS_PORT", message: 'expected a whole number from 1 to 65535, got "0"' },
      {
        path: "KCM_BOT_METRICS_PORT",
        message: 'expected a whole number from 1 to 65535, got "65536"',
      },
      { path: "KCM_METRICS_HOST", message: "expected an IP address or a host name" },
      {
        path: "KCM_DASHBOARD_PORT",
        message: 'expected a whole number from 1 to 65535, got "http"',
      },
      { path: "KCM_DASHBOARD_USER", message: "expected 1 to 64 characters, without ':' or spaces" },
      {
        path: "KCM_DASHBOARD_PASSWORD",
        message: "expected at least 8 characters; the value is not shown",
      },
    ]);
    expect(error.message).not.toContain("short");
  });

  it("reads the Slack settings, and never echoes a secret in its complaints", () => {
    expect(
      readEnv({
        KCM_SLACK_MODE: "http",
        KCM_HTTP_PORT: "8080",
        KCM_SLACK_RECONNECT_MIN_MS: "500",
        KCM_SLACK_RECONNECT_MAX_MS: "60000",
        SLACK_BOT_TOKEN: "xoxb-1-2-abc",
        SLACK_SIGNING_SECRET: "8f742231b10e8888abcd99yyyzzz85a5".replace(/[yz]/g, "0"),
        SLACK_API_URL: "http://127.0.0.1:9999/api/",
      }),
    ).toMatchObject({
      slackMode: "http",
      httpPort: 8080,
      slackReconnect: { minMs: 500, maxMs: 60_000 },
      slackBotToken: "xoxb-1-2-abc",
      slackApiUrl: "http://127.0.0.1:9999/api/",
    });
    let message = "";
    try {
      readEnv({ SLACK_BOT_TOKEN: "xoxp-personal-token-123", KCM_SLACK_MODE: "websocket" });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain(
      "SLACK_BOT_TOKEN: expected a bot token (xoxb-...); the value is not shown",
    );
    expect(message).toContain('KCM_SLACK_MODE: expected "socket" or "http"');
    expect(message).not.toContain("xoxp-personal-token-123");
  });

  it("refuses a Redis prefix that is not a plain word", () => {
    expect(() => readEnv({ KCM_REDIS_PREFIX: "a b:c" })).toThrow(
      /KCM_REDIS_PREFIX: expected 1 to 32 letters/,
    );
  });

  it.each(["abc", "0", "1.5", "99999", "-1", "8 ", "1e1", "0x10", "65", "NaN", "Infinity"])(
    "refuses KCM_CHECK_CONCURRENCY=%j by name",
    (value) => {
      const error = envError({ KCM_CHECK_CONCURRENCY: value });
      expect(error.code).toBe("invalid-environment");
      expect(error.issues).toEqual([
        {
          path: "KCM_CHECK_CONCURRENCY",
          message: `expected a whole number from 1 to 64, got ${JSON.stringify(value)}`,
        },
      ]);
    },
  );

  it("reports every bad variable at once", () => {
    const error = envError({
      KCM_CHECK_CONCURRENCY: "abc",
      KCM_SSH_CONNECT_TIMEOUT_MS: "999",
      KCM_CHECK_TIMEOUT_MS: "1.5",
      REDIS_URL: "http://user:hunter2@redis.internal",
    });
    expect(error.message).toBe(
      [
        "The environment is invalid (4 problems):",
        '  KCM_CHECK_CONCURRENCY: expected a whole number from 1 to 64, got "abc"',
        '  KCM_SSH_CONNECT_TIMEOUT_MS: expected a whole number from 1000 to 300000, got "999"',
        '  KCM_CHECK_TIMEOUT_MS: expected a whole number from 1000 to 3600000, got "1.5"',
        "  REDIS_URL: expected a redis:// or rediss:// URL",
      ].join("\n"),
    );
    // REDIS_URL may hold a password: its value never reaches a message.
    expect(error.message).not.toContain("hunter2");
  });

  it("accepts the range ends and refuses one past them", () => {
    expect(readEnv({ KCM_SSH_CONNECT_TIMEOUT_MS: "300000" }).sshConnectTimeoutMs).toBe(300_000);
    expect(envError({ KCM_SSH_CONNECT_TIMEOUT_MS: "300001" }).issues[0]?.path).toBe(
      "KCM_SSH_CONNECT_TIMEOUT_MS",
    );
    expect(readEnv({ KCM_CHECK_CONCURRENCY: "1" }).checkConcurrency).toBe(1);
  });

  it("shortens a long bad value in the message", () => {
    const message = envError({ KCM_CHECK_TIMEOUT_MS: "9".repeat(500) }).issues[0]?.message ?? "";
    expect(message.length).toBeLessThan(120);
  });
});

describe("readEnv: Redis behind Sentinel", () => {
  it("reads REDIS_SENTINELS and the primary's name and password; redisTargetOf prefers Sentinel", () => {
    const env = readEnv({
      REDIS_URL: "redis://127.0.0.1:6379",
      REDIS_SENTINELS: "127.0.0.1:26379, sentinel-2.internal:26380,[::1]:26381",
      REDIS_SENTINEL_NAME: "kcm-primary",
      REDIS_PASSWORD: "s3cret",
    });
    expect(redisTargetOf(env)).toEqual({
      kind: "sentinel",
      sentinels: [
        { host: "127.0.0.1", port: 26379 },
        { host: "sentinel-2.internal", port: 26380 },
        { host: "::1", port: 26381 },
      ],
      name: "kcm-primary",
      password: "s3cret",
    });
    expect(redisTargetOf(readEnv({ REDIS_URL: "redis://r:6379" }))).toEqual({
      kind: "url",
      url: "redis://r:6379",
    });
    expect(redisTargetOf(readEnv({}))).toBeUndefined();
  });

  it("refuses a sentinel list it cannot read, naming the variable", () => {
    expect(() => readEnv({ REDIS_SENTINELS: "127.0.0.1" })).toThrow(
      /REDIS_SENTINELS: expected host:port\[,host:port\.\.\.\], got "127\.0\.0\.1"/,
    );
    expect(() => readEnv({ REDIS_SENTINELS: "a:1,b:99999" })).toThrow(/REDIS_SENTINELS/);
    expect(() => readEnv({ REDIS_SENTINEL_NAME: "my primary" })).toThrow(/REDIS_SENTINEL_NAME/);
  });
});
