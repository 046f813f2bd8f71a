import type { Redis } from "ioredis";
import { z } from "zod";
import type { StoreKeys } from "./store-keys.js";

/** How long a heartbeat lasts without being renewed: a process gone this long is forgotten. */
export const HEARTBEAT_TTL_S = 60;

/** One running process, as it says itself in Redis. */
export const heartbeatSchema = z.object({
  /** `kcm-chatops` (the bot), `upgrade-worker`, `console`. */
  role: z.string().min(1),
  /** `<hostname>:<pid>`. */
  id: z.string().min(1),
  /** The digest of the inventory file it runs (see Inventory.digest). */
  inventory: z.string().min(1),
  /** Where it read the inventory from. */
  source: z.string(),
  /** ISO time of the beat. */
  at: z.string(),
});
export type Heartbeat = z.infer<typeof heartbeatSchema>;

/**
 * Each process says every so often, in Redis, which inventory it runs:
 * requests follow the bot's and the workers' inventories (channels and
 * approvers the bot's; the approval expiry, windows and hosts the worker's
 * that plans), so processes that differ are a warning `doctor` gives.
 */
export class RedisHeartbeats {
  constructor(
    private readonly redis: Redis,
    private readonly keys: StoreKeys,
  ) {}

  async beat(beat: Heartbeat): Promise<void> {
    await this.redis.set(
      this.keys.heartbeat(beat.role, beat.id),
      JSON.stringify(beat),
      "EX",
      HEARTBEAT_TTL_S,
    );
  }

  async forget(beat: Pick<Heartbeat, "role" | "id">): Promise<void> {
    await this.redis.del(this.keys.heartbeat(beat.role, beat.id));
  }

  /** The processes alive now (beat within the TTL); unreadable entries are left out. */
  async all(): Promise<Heartbeat[]> {
    const keys: string[] = [];
    let cursor = "0";
    do {
      const [next, found] = await this.redis.scan(
        cursor,
        "MATCH",
        this.keys.heartbeat("*", "*"),
        "COUNT",
        200,
      );
      cursor = next;
      keys.push(...found);
    } while (cursor !== "0");
    if (keys.length === 0) return [];
    const values = await this.redis.mget(keys);
    return values.flatMap((text) => {
      if (text === null) return [];
      try {
        const parsed = heartbeatSchema.safeParse(JSON.parse(text));
        return parsed.success ? [parsed.data] : [];
      } catch {
        return [];
      }
    });
  }
}
