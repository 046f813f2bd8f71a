import { describe, expect, it } from "vitest";
import { ConfigError } from "../../../src/config/config-error.js";
import { readEnv } from "../../../src/config/read-env.js";

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

describe("readEnv", () => {
  it("gives the defaults for an empty environment, and no redisUrl", () => {
    expect(readEnv({})).toEqual({
      inventoryPath: "/etc/kcm-chatops/inventory.yml",
      checkConcurrency: 8,
      sshConnectTimeoutMs: 30_000,
      checkCommandTimeoutMs: 120_000,
    });
    expect(readEnv({})).not.toHaveProperty("redisUrl");
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
        UNRELATED: "ignored",
      }),
    ).toEqual({
      inventoryPath: "/srv/inventory.yml",
      checkConcurrency: 64,
      sshConnectTimeoutMs: 1000,
      checkCommandTimeoutMs: 3_600_000,
      redisUrl: "rediss://:secret@redis.internal:6380/2",
    });
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
