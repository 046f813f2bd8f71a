import type { Redis } from "ioredis";

/** What `INFO` says about the things kcm-chatops depends on. */
export interface RedisFacts {
  /** `redis_version`, e.g. `7.0.15`. */
  version: string;
  /** `maxmemory_policy`: only `noeviction` never drops queued jobs, journals or locks. */
  maxmemoryPolicy: string;
  /** `aof_enabled`: with the append-only file, a restart keeps every acknowledged write. */
  aofEnabled: boolean;
}

function field(info: string, name: string): string | undefined {
  return new RegExp(`^${name}:(\\S*)`, "m").exec(info)?.[1];
}

/**
 * Reads the version, eviction policy and persistence from `INFO server`,
 * `INFO memory` and `INFO persistence` (which managed services allow where
 * CONFIG GET is disabled). A field INFO does not print reads as `unknown`.
 */
export async function inspectRedis(redis: Redis): Promise<RedisFacts> {
  const [server, memory, persistence] = await Promise.all([
    redis.info("server"),
    redis.info("memory"),
    redis.info("persistence"),
  ]);
  return {
    version: field(server, "redis_version") ?? "unknown",
    maxmemoryPolicy: field(memory, "maxmemory_policy") ?? "unknown",
    aofEnabled: field(persistence, "aof_enabled") === "1",
  };
}

/** Whether `version` (`7.0.15`) is at least `minimum` (`6.2.0`). */
export function versionAtLeast(version: string, minimum: string): boolean {
  const parts = (v: string) => v.split(".").map((p) => Number.parseInt(p, 10) || 0);
  const [a, b] = [parts(version), parts(minimum)];
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (x !== y) return x > y;
  }
  return true;
}
