import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, expect, it } from "vitest";
import { checkInventories } from "../../../src/cli/check-services.js";
import { loadInventory } from "../../../src/config/load-inventory.js";
import { readEnv } from "../../../src/config/read-env.js";
import { RedisHeartbeats } from "../../../src/store/heartbeats.js";
import { storeKeys } from "../../../src/store/store-keys.js";
import { describeWithRedis } from "../../support/describe-with-redis.js";

const PREFIX = "tdocinv";
const INVENTORY = (expiry: number) =>
  [
    "hosts:",
    "  - name: web1",
    "    address: 10.0.0.1",
    "    user: kcm",
    "    privateKey: /k",
    "    hostKey: SHA256:nLF/WwxaonO/+Fxv8K4yuWHDnLFkkbazJMT3YbBiI2E",
    "slack:",
    "  channels: [C0KCMOPS]",
    "  approvers: [U0BOB]",
    `  requestExpiryMinutes: ${expiry}`,
    "",
  ].join("\n");

/**
 * doctor's comparison of the inventories the running processes say they
 * run (their heartbeats in Redis) with its own: a bot and a worker with
 * different files would follow different request policies.
 */
describeWithRedis("doctor: one inventory for the bot and the workers", (redisUrl) => {
  let dir: string;
  let redis: Redis;
  const env = () => readEnv({ REDIS_URL: redisUrl, KCM_REDIS_PREFIX: PREFIX });

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "kcm-inv-"));
    await writeFile(path.join(dir, "a.yml"), INVENTORY(60));
    await writeFile(path.join(dir, "b.yml"), INVENTORY(15));
    redis = new Redis(redisUrl);
  });
  afterAll(async () => {
    const keys = await redis.keys(`${PREFIX}:*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
    await rm(dir, { recursive: true, force: true });
  });

  async function running(role: string, id: string, file: string) {
    const inventory = await loadInventory(path.join(dir, file));
    await new RedisHeartbeats(redis, storeKeys(PREFIX)).beat({
      role,
      id,
      inventory: inventory.digest,
      source: inventory.source,
      at: new Date().toISOString(),
    });
  }

  it("nothing running: said, not a failure", async () => {
    const [finding] = await checkInventories(env(), await loadInventory(path.join(dir, "a.yml")));
    expect(finding).toMatchObject({
      status: "skipped",
      summary: expect.stringMatching(/^no bot or worker is running/),
    });
  });

  it("the bot and a worker on one file: ok; a second worker on another: a warning naming each", async () => {
    const a = await loadInventory(path.join(dir, "a.yml"));
    const b = await loadInventory(path.join(dir, "b.yml"));
    expect(a.digest).not.toBe(b.digest);
    await running("kcm-chatops", "bot-1:10", "a.yml");
    await running("upgrade-worker", "w-1:20", "a.yml");
    expect((await checkInventories(env(), a))[0]).toMatchObject({
      status: "ok",
      summary: `2 running processes run this inventory (${a.digest})`,
    });

    await running("upgrade-worker", "w-2:30", "b.yml");
    const [finding] = await checkInventories(env(), a);
    expect(finding?.status).toBe("warning");
    expect(finding?.summary).toMatch(
      /^1 of 3 running processes run another inventory than .*a\.yml/,
    );
    expect(finding?.details).toContain(`upgrade-worker w-2:30 runs ${b.digest} (${b.source})`);
    expect(finding?.fix).toEqual([
      "give the bot and every worker the same inventory file, then restart them",
    ]);
  });
});
