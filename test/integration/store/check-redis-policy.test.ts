import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkRedisPolicy } from "../../../src/store/check-redis-policy.js";
import { describeWithRedis } from "../../support/describe-with-redis.js";

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}

describeWithRedis("checkRedisPolicy", (redisUrl) => {
  it("accepts the tests' Redis (noeviction)", async () => {
    const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
    try {
      expect(await checkRedisPolicy(redis)).toEqual({ ok: true });
    } finally {
      await redis.quit();
    }
  });

  // A Redis of this test's own: the shared one's configuration is never changed.
  describe("on a Redis started for this test", () => {
    let child: ChildProcess | undefined;
    let dir = "";
    let redis: Redis;

    beforeAll(async () => {
      dir = await mkdtemp(path.join(tmpdir(), "kcm-policy-"));
      const port = await freePort();
      child = spawn(
        "redis-server",
        ["--bind", "127.0.0.1", "--port", String(port), "--dir", dir, "--save", ""],
        { stdio: "ignore" },
      );
      // Commands wait (no retry limit) until the new server accepts connections.
      redis = new Redis(port, "127.0.0.1", { retryStrategy: () => 50, maxRetriesPerRequest: null });
      redis.on("error", () => {});
      expect(await redis.ping()).toBe("PONG");
    });
    afterAll(async () => {
      redis?.disconnect();
      const pid = child?.pid;
      if (pid !== undefined && child?.exitCode === null) {
        const exited = new Promise((r) => child?.once("exit", r));
        process.kill(pid, "SIGTERM");
        await exited;
      }
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    it("refuses a Redis that may evict keys, naming its policy and the fix", async () => {
      await redis.config("SET", "maxmemory-policy", "allkeys-lru");
      const refused = await checkRedisPolicy(redis);
      expect(refused.ok).toBe(false);
      if (refused.ok) return;
      expect(refused.message).toContain("maxmemory-policy is allkeys-lru, not noeviction");
      expect(refused.message).toContain("CONFIG SET maxmemory-policy noeviction");

      await redis.config("SET", "maxmemory-policy", "volatile-ttl");
      expect(await checkRedisPolicy(redis)).toMatchObject({
        ok: false,
        message: expect.stringContaining("volatile-ttl"),
      });

      await redis.config("SET", "maxmemory-policy", "noeviction");
      expect(await checkRedisPolicy(redis)).toEqual({ ok: true });
    });
  });
});
