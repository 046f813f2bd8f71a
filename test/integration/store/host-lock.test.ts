import { expect, it, vi } from "vitest";
import { acquireHostLock, type HostLock } from "../../../src/store/host-lock.js";
import { describeWithRedis } from "../../support/describe-with-redis.js";
import { useTestRedis } from "../../support/test-store-keys.js";

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

describeWithRedis("the host lock, on the tests' Redis", (redisUrl) => {
  const db = useTestRedis(redisUrl);
  const { keys } = db;

  const attempt = (host: string, jobId: string, workerId: string, freeOnly = false) =>
    acquireHostLock(db.redis, keys, host, { jobId, workerId }, 10_000, { freeOnly });

  async function take(host: string, jobId: string, workerId: string, ttlMs = 10_000) {
    const result = await acquireHostLock(db.redis, keys, host, { jobId, workerId }, ttlMs);
    if (result.kind !== "acquired") throw new Error(`expected to acquire ${host}`);
    return result.lock;
  }

  /** The lock's record as Redis holds it (null when free). */
  const holderIn = async (host: string) =>
    JSON.parse((await db.redis.get(keys.hostLock(host))) ?? "null") as unknown;

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
    expect(await holderIn("h-free")).toEqual(lock.holder);
    const ttl = await db.redis.pttl(keys.hostLock("h-free"));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(5000);
  });

  it("is busy for another job, and names the job and worker holding it", async () => {
    const lock = await take("h-busy", "req-1", "worker-a");
    const second = await attempt("h-busy", "req-2", "worker-b");
    expect(second).toEqual({ kind: "busy", holder: lock.holder });
    // The busy attempt changed nothing.
    expect(await holderIn("h-busy")).toEqual(lock.holder);
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
    expect(await holderIn("h-takeover")).toEqual(second.holder);
  });

  it("with freeOnly, is busy even for the same job (another delivery of it runs)", async () => {
    const first = await take("h-free-only", "req-1", "worker-a");
    const again = await attempt("h-free-only", "req-1", "worker-b", true);
    expect(again).toEqual({ kind: "busy", holder: first.holder });
    await first.release();
    const free = await attempt("h-free-only", "req-1", "worker-b", true);
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
    expect(await db.redis.exists(keys.hostLock("h-expire"))).toBe(0);
    const other = await attempt("h-expire", "req-2", "worker-b");
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
      expect(await holderIn("h-alive")).toEqual(lock.holder);
      expect(lock.held).toBe(true);
      expect(onLost).not.toHaveBeenCalled();

      current = await take("h-alive", "req-1", "worker-b", 10_000);
      await vi.waitFor(() => expect(onLost).toHaveBeenCalledTimes(1), { timeout: 5000 });
      expect(lock.held).toBe(false);
      await sleep(800);
      expect(onLost).toHaveBeenCalledTimes(1);
      expect(await holderIn("h-alive")).toEqual(current.holder);
    } finally {
      await lock.release();
      await current?.release();
    }
  });

  it("is released only by its holder", async () => {
    const old = await take("h-release", "req-1", "worker-a");
    const current = await take("h-release", "req-1", "worker-b");
    await old.release();
    expect(await holderIn("h-release")).toEqual(current.holder);
    await current.release();
    expect(await db.redis.exists(keys.hostLock("h-release"))).toBe(0);
    const next = await attempt("h-release", "req-2", "worker-c");
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
