import type { Redis } from "ioredis";

const RENEW = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
return redis.call('PEXPIRE', KEYS[1], ARGV[2])`;

const RELEASE = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
return redis.call('DEL', KEYS[1])`;

/**
 * Who delivers a prefix's queues: one process at a time, so pacing holds
 * and no message is sent twice by two bots. The holder renews it; a dead
 * holder's lease runs out after `ttlMs` and another process takes over.
 */
export class DeliveryLease {
  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    private readonly owner: string,
    private readonly ttlMs: number,
  ) {}

  /** Takes the lease if it is free (or already ours, renewing it). */
  async acquire(): Promise<boolean> {
    if ((await this.redis.set(this.key, this.owner, "PX", this.ttlMs, "NX")) === "OK") return true;
    return this.renew();
  }

  /** False when the lease is no longer ours. */
  async renew(): Promise<boolean> {
    return (await this.redis.eval(RENEW, 1, this.key, this.owner, this.ttlMs)) === 1;
  }

  async release(): Promise<void> {
    await this.redis.eval(RELEASE, 1, this.key, this.owner);
  }
}
