import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
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
