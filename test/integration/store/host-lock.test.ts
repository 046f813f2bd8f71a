import { Redis } from "ioredis";
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { acquireHostLock, type HostLock } from "../../../src/store/host-lock.js";
import { describeWithRedis } from "../../support/describe-with-redis.js";
import { testStoreKeys } from "../../support/test-store-keys.js";

const { keys, deleteAll } = testStoreKeys();
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

describeWithRedis("the host lock, on the tests' Redis", (redisUrl) => {
  let redis: Redis;

  beforeAll(() => {
    redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  });
  afterAll(async () => {
    await deleteAll(redis);
    await redis.quit();
  });

  async function take(host: string, jobId: string, workerId: string, ttlMs = 10_000) {
    const result = await acquireHostLock(redis, keys, host, { jobId, workerId }, ttlMs);
    if (result.kind !== "acquired") throw new Error(`expected to acquire ${host}`);
    return result.lock;
  }

  it("is taken on a free host, with a fencing token and a TTL", async () => {
    const lock = await take("h-free", "req-1", "worker-a", 5000);
    expect(lock.holder).toEqual({
      token: lock.token,
      nonce: expect.stringMatching(/^[0-9a-f]{16}$/),
      jobId: "req-1",
      workerId: "worker-a",
    });
    expect(lock.token).toBeGreaterThan(0);
    expect(lock.held).toBe(true);
    expect(JSON.parse((await redis.get(keys.hostLock("h-free"))) ?? "null")).toEqual(lock.holder);
    const ttl = await redis.pttl(keys.hostLock("h-free"));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(5000);
  });

  it("is busy for another job, and names the job and worker holding it", async () => {
    const lock = await take("h-busy", "req-1", "worker-a");
    const second = await acquireHostLock(
      redis,
      keys,
      "h-busy",
      { jobId: "req-2", workerId: "worker-b" },
      10_000,
    );
    expect(second).toEqual({ kind: "busy", holder: lock.holder });
    // The busy attempt changed nothing.
    expect(JSON.parse((await redis.get(keys.hostLock("h-busy"))) ?? "null")).toEqual(lock.holder);
  });

  it("lets the same job take over (a redelivery) with a new, larger fencing token", async () => {
    const first = await take("h-takeover", "req-1", "worker-a");
    const second = await take("h-takeover", "req-1", "worker-b");
    expect(second.token).toBeGreaterThan(first.token);
    expect(second.holder).toEqual({
      token: second.token,
      nonce: expect.stringMatching(/^[0-9a-f]{16}$/),
      jobId: "req-1",
      workerId: "worker-b",
    });
    expect(second.holder.nonce).not.toBe(first.holder.nonce);
    expect(JSON.parse((await redis.get(keys.hostLock("h-takeover"))) ?? "null")).toEqual(
      second.holder,
    );
  });

  it("with freeOnly, is busy even for the same job (another delivery of it runs)", async () => {
    const first = await take("h-free-only", "req-1", "worker-a");
    const again = await acquireHostLock(
      redis,
      keys,
      "h-free-only",
      { jobId: "req-1", workerId: "worker-b" },
      10_000,
      { freeOnly: true },
    );
    expect(again).toEqual({ kind: "busy", holder: first.holder });
    await first.release();
    const free = await acquireHostLock(
      redis,
      keys,
      "h-free-only",
      { jobId: "req-1", workerId: "worker-b" },
      10_000,
      { freeOnly: true },
    );
    expect(free.kind).toBe("acquired");
  });

  it("refuses the old holder's renewal after a takeover, and it no longer counts as held", async () => {
    const old = await take("h-renew", "req-1", "worker-a");
    expect(await old.renew()).toBe(true);
    const current = await take("h-renew", "req-1", "worker-b");
    expect(await old.renew()).toBe(false);
    expect(old.held).toBe(false);
    expect(await current.renew()).toBe(true);
    expect(current.held).toBe(true);
  });

  it("expires after its TTL when nobody renews it", async () => {
    await take("h-expire", "req-1", "worker-a", 200);
    await sleep(400);
    expect(await redis.exists(keys.hostLock("h-expire"))).toBe(0);
    const other = await acquireHostLock(
      redis,
      keys,
      "h-expire",
      { jobId: "req-2", workerId: "worker-b" },
      10_000,
    );
    expect(other.kind).toBe("acquired");
  });

  it("keepAlive holds it past its TTL, then reports a takeover once", async () => {
    // Renewed every third of the TTL; a second of TTL leaves room for a busy machine.
    const lock = await take("h-alive", "req-1", "worker-a", 1000);
    const onLost = vi.fn();
    let current: HostLock | undefined;
    try {
      lock.keepAlive(onLost);
      await sleep(2500);
      expect(JSON.parse((await redis.get(keys.hostLock("h-alive"))) ?? "null")).toEqual(
        lock.holder,
      );
      expect(lock.held).toBe(true);
      expect(onLost).not.toHaveBeenCalled();

      current = await take("h-alive", "req-1", "worker-b", 10_000);
      await vi.waitFor(() => expect(onLost).toHaveBeenCalledTimes(1), { timeout: 5000 });
      expect(lock.held).toBe(false);
      await sleep(800);
      expect(onLost).toHaveBeenCalledTimes(1);
      expect(JSON.parse((await redis.get(keys.hostLock("h-alive"))) ?? "null")).toEqual(
        current.holder,
      );
    } finally {
      await lock.release();
      await current?.release();
    }
  });

  it("is released only by its holder", async () => {
    const old = await take("h-release", "req-1", "worker-a");
    const current = await take("h-release", "req-1", "worker-b");
    await old.release();
    expect(JSON.parse((await redis.get(keys.hostLock("h-release"))) ?? "null")).toEqual(
      current.holder,
    );
    await current.release();
    expect(await redis.exists(keys.hostLock("h-release"))).toBe(0);
    const next = await acquireHostLock(
      redis,
      keys,
      "h-release",
      { jobId: "req-2", workerId: "worker-c" },
      10_000,
    );
    expect(next.kind).toBe("acquired");
  });

  it("hands out tokens that only grow, across hosts", async () => {
    const tokens: number[] = [];
    for (const host of ["h-a", "h-b", "h-a"]) {
      const lock = await take(host, "req-tokens", "worker-a");
      tokens.push(lock.token);
    }
    expect([...tokens].sort((a, b) => a - b)).toEqual(tokens);
    expect(new Set(tokens).size).toBe(tokens.length);
  });
});
