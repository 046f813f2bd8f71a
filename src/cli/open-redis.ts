import { Redis } from "ioredis";

/** A Redis URL fit to print: the password, if any, replaced by `***`. */
export function describeRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== "") parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(an unreadable URL)";
  }
}

/**
 * Connects to Redis for a command at a terminal: one attempt, within
 * `connectTimeoutMs`, and no reconnecting or queueing afterwards, so an
 * unreachable Redis is an error at once rather than a hang. Rejects with
 * ioredis's error (`connect ECONNREFUSED 127.0.0.1:6379`, `WRONGPASS ...`).
 */
export async function openRedis(url: string, connectTimeoutMs = 5000): Promise<Redis> {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: connectTimeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  // connect() rejects with "Connection is closed."; the socket's own error says why.
  let reason: Error | undefined;
  redis.on("error", (error: Error) => {
    reason ??= error;
  });
  try {
    await redis.connect();
    return redis;
  } catch (error) {
    redis.disconnect();
    throw reason ?? error;
  }
}
