import { afterEach } from "vitest";
import { type CreateLabHostOptions, createLabHost, type LabHost } from "../lab/lab.js";
import { type OwnRedis, startOwnRedis } from "./start-own-redis.js";
import { UpgradeHarness } from "./worker-harness.js";

/**
 * For a describe block: `setUp(...hosts)` gives a fresh harness for those lab
 * hosts; after each test the harness is torn down and the hosts destroyed.
 */
export function harnessPerTest(redisUrl: string): (...hosts: LabHost[]) => Promise<UpgradeHarness> {
  let harness: UpgradeHarness | undefined;
  const hosts: LabHost[] = [];
  afterEach(async () => {
    await harness?.tearDown();
    harness = undefined;
    await Promise.all(hosts.splice(0).map((h) => h.destroy()));
  });
  return async (...made) => {
    hosts.push(...made);
    harness = new UpgradeHarness(redisUrl, made);
    await harness.setUp();
    return harness;
  };
}

/**
 * For a describe block whose tests take Redis away: `setUp(host)` gives a
 * Redis of the test's own (append-only, so it survives a kill), a lab host
 * made with those options, and a harness over both. After each test Redis is
 * started again if it is down, and all three are torn down.
 */
export function harnessOnOwnRedisPerTest(): (
  host: CreateLabHostOptions,
) => Promise<{ host: LabHost; h: UpgradeHarness; redis: OwnRedis }> {
  let redis: OwnRedis | undefined;
  let harness: UpgradeHarness | undefined;
  const hosts: LabHost[] = [];
  afterEach(async () => {
    await redis?.restart().catch(() => {});
    await harness?.tearDown();
    await redis?.stop();
    await Promise.all(hosts.splice(0).map((host) => host.destroy()));
    redis = undefined;
    harness = undefined;
  });
  return async (options) => {
    redis = await startOwnRedis(["--appendonly", "yes", "--maxmemory-policy", "noeviction"]);
    const host = await createLabHost(options);
    hosts.push(host);
    harness = new UpgradeHarness(redis.url, [host]);
    await harness.setUp();
    return { host, h: harness, redis };
  };
}
