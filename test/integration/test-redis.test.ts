import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const url = process.env["REDIS_URL"];

describe.skipIf(url === undefined && process.env["CI"] !== "true")("the tests' Redis", () => {
  let redis: Redis;

  beforeAll(() => {
    if (url === undefined)
      throw new Error("REDIS_URL is not set: run the suite with `npm run test:all`");
    redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  });
  afterAll(async () => {
    await redis?.quit();
  });

  it("is configured as production needs it: AOF on, noeviction", async () => {
    await redis.connect();
    expect(await redis.config("GET", "maxmemory-policy")).toEqual([
      "maxmemory-policy",
      "noeviction",
    ]);
    expect(await redis.config("GET", "appendonly")).toEqual(["appendonly", "yes"]);
  });
});
