import type { Redis } from "ioredis";
import { type LastUpgrade, lastUpgradeSchema } from "../domain/last-upgrade.js";
import type { StoreKeys } from "./store-keys.js";
import { readRecord } from "./store-record-error.js";

/**
 * Each host's last upgrade by kcm-chatops (what `rollback` undoes), in
 * Redis: written by the worker that made it, read when a rollback is
 * planned, dropped once it is rolled back. Validated on read.
 */
export class RedisUpgradeRecords {
  constructor(
    private readonly redis: Redis,
    private readonly keys: StoreKeys,
  ) {}

  async last(host: string): Promise<LastUpgrade | undefined> {
    const key = this.keys.lastTransaction(host);
    const raw = await this.redis.get(key);
    return raw === null ? undefined : readRecord(key, raw, lastUpgradeSchema);
  }

  async record(host: string, upgrade: LastUpgrade): Promise<void> {
    await this.redis.set(
      this.keys.lastTransaction(host),
      JSON.stringify(lastUpgradeSchema.parse(upgrade)),
    );
  }

  async forget(host: string): Promise<void> {
    await this.redis.del(this.keys.lastTransaction(host));
  }
}
