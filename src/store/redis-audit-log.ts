import type { Redis } from "ioredis";
import type { AuditEvent, AuditLog } from "../runbook/runbook-ports.js";
import type { StoreKeys } from "./store-keys.js";

/**
 * The audit stream: one Redis stream entry per state change (who, what,
 * when, host, step, exit code), so the record never depends on chat
 * messages being delivered.
 */
export class RedisAuditLog implements AuditLog {
  constructor(
    private readonly redis: Redis,
    private readonly keys: StoreKeys,
    private readonly now: () => number = Date.now,
  ) {}

  async append(event: AuditEvent): Promise<void> {
    const fields: string[] = ["when", new Date(this.now()).toISOString()];
    for (const [key, value] of Object.entries(event)) {
      if (value !== undefined) fields.push(key, value === null ? "null" : String(value));
    }
    await this.redis.xadd(this.keys.audit, "*", ...fields);
  }

  /** Every entry, oldest first, as field maps with the stream id. */
  async read(count = 10_000): Promise<Record<string, string>[]> {
    const entries = await this.redis.xrange(this.keys.audit, "-", "+", "COUNT", count);
    return entries.map(([id, flat]) => {
      const record: Record<string, string> = { id };
      for (let i = 0; i + 1 < flat.length; i += 2)
        record[flat[i] as string] = flat[i + 1] as string;
      return record;
    });
  }
}
