import type { Redis } from "ioredis";
import type { StoreKeys } from "./store-keys.js";

/** How long a click's trigger id is remembered: Slack redelivers within minutes. */
const REMEMBER_S = 3600;

/**
 * Which clicks were already acted on, by their trigger id: Slack redelivers
 * an envelope whose ack it did not see (Socket Mode's `retry_attempt`,
 * HTTP's `X-Slack-Retry-Num`), and a redelivered click must not be acted on
 * twice. One SET NX per click.
 */
export class RedisDeliveries {
  constructor(
    private readonly redis: Redis,
    private readonly keys: StoreKeys,
  ) {}

  /** Whether this is the first delivery of `triggerId` (and remembers it for `ttlS`). */
  async first(triggerId: string, ttlS = REMEMBER_S): Promise<boolean> {
    const set = await this.redis.set(this.keys.delivery(triggerId), "1", "EX", ttlS, "NX");
    return set === "OK";
  }
}
