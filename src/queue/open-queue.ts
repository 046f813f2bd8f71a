import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { bullPrefix } from "./queue-names.js";

/**
 * A BullMQ queue (a producer, or a reader of counts) on `connection`, under
 * kcm-chatops's prefix. Its `error` events are heard and dropped: each is a
 * failed call, which rejects where it was made, and the process's RedisWatch
 * says once that Redis is away (without a listener, BullMQ prints every one).
 */
export function openQueue(name: string, connection: Redis, redisPrefix: string): Queue {
  const queue = new Queue(name, { connection, prefix: bullPrefix(redisPrefix) });
  queue.on("error", () => {});
  return queue;
}
