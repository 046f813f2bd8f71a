import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkRedisPolicy } from "../../../src/store/check-redis-policy.js";
import { describeWithRedis } from "../../support/describe-with-redis.js";
import { type OwnRedis, startOwnRedis } from "../../support/start-own-redis.js";

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
    let own: OwnRedis | undefined;
    let redis: Redis;

    beforeAll(async () => {
      own = await startOwnRedis();
      redis = new Redis(own.url, { maxRetriesPerRequest: 1 });
      expect(await redis.ping()).toBe("PONG");
    });
    afterAll(async () => {
      redis?.disconnect();
      await own?.stop();
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
