import type { Redis } from "ioredis";

/**
 * Refuses a Redis that may evict keys: BullMQ loses jobs (and we lose
 * journals and locks) when Redis evicts. Reads INFO, which managed Redis
 * services allow where CONFIG GET is disabled.
 */
export async function checkRedisPolicy(
  redis: Redis,
): Promise<{ ok: true } | { ok: false; message: string }> {
  const info = await redis.info("memory");
  const policy = /^maxmemory_policy:(\S+)/m.exec(info)?.[1];
  if (policy === "noeviction") return { ok: true };
  return {
    ok: false,
    message: `Redis's maxmemory-policy is ${policy ?? "unknown"}, not noeviction: Redis could evict queued jobs and journals. Set "maxmemory-policy noeviction" (redis.conf, or CONFIG SET maxmemory-policy noeviction) and start again.`,
  };
}
