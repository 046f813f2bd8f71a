import type { Redis } from "ioredis";
import { type FleetState, fleetStateSchema, QUIET_FLEET } from "../domain/fleet-notice.js";
import type { StoreKeys } from "./store-keys.js";
import { StoreRecordError } from "./store-record-error.js";

/** The state of the last fleet notice, as one JSON value: a restart repeats no notice. */
export class RedisFleetNotices {
  constructor(
    private readonly redis: Redis,
    private readonly keys: StoreKeys,
  ) {}

  async last(): Promise<FleetState> {
    const text = await this.redis.get(this.keys.fleetNotice);
    if (text === null) return QUIET_FLEET;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      value = undefined;
    }
    const parsed = fleetStateSchema.safeParse(value);
    if (!parsed.success) throw new StoreRecordError(this.keys.fleetNotice, "not a fleet state");
    return parsed.data;
  }

  async save(state: FleetState): Promise<void> {
    await this.redis.set(this.keys.fleetNotice, JSON.stringify(state));
  }
}
