import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll } from "vitest";
import { type StoreKeys, storeKeys } from "../../src/store/store-keys.js";

/** Store keys under a random prefix of one test file's own, and how to delete them afterwards. */
export function testStoreKeys(): {
  prefix: string;
  keys: StoreKeys;
  deleteAll: (redis: Redis) => Promise<void>;
} {
  const prefix = `t${randomBytes(4).toString("hex")}`;
  return {
    prefix,
    keys: storeKeys(prefix),
    async deleteAll(redis) {
      const found: string[] = [];
      let cursor = "0";
      do {
        const [next, batch] = await redis.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 1000);
        found.push(...batch);
        cursor = next;
      } while (cursor !== "0");
      if (found.length > 0) await redis.del(...found);
    },
  };
}

/**
 * The tests' Redis for one `describe`: connected before its tests, its keys
 * (under a prefix of its own) deleted and the connection closed after them.
 */
export function useTestRedis(redisUrl: string): { readonly redis: Redis; keys: StoreKeys } {
  const { keys, deleteAll } = testStoreKeys();
  let redis: Redis | undefined;
  beforeAll(() => {
    redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  });
  afterAll(async () => {
    if (!redis) return;
    await deleteAll(redis);
    await redis.quit();
  });
  return {
    keys,
    get redis(): Redis {
      if (!redis) throw new Error("useTestRedis: the Redis is connected in beforeAll");
      return redis;
    },
  };
}
