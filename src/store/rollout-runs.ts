import type { Redis } from "ioredis";
import { type HostRun, hostRunSchema } from "../domain/rollout.js";
import type { StoreKeys } from "./store-keys.js";
import { readRecord } from "./store-record-error.js";

/** Kept as long as a request: 90 days. */
const RUNS_TTL_S = 90 * 24 * 3600;

/**
 * Where each host of a rollout is, in one Redis hash per rollout (host →
 * run). The coordinator moves a host out of "waiting" only once (HSETNX:
 * two coordinators deciding at once queue a host once, and never overwrite
 * what its job wrote); the job's own progress always wins.
 */
export class RedisRolloutRuns {
  constructor(
    private readonly redis: Redis,
    private readonly keys: StoreKeys,
  ) {}

  async all(requestId: string): Promise<Map<string, HostRun>> {
    const key = this.keys.rolloutRuns(requestId);
    const raw = await this.redis.hgetall(key);
    return new Map(
      Object.entries(raw).map(([host, value]) => [
        host,
        readRecord(`${key} ${host}`, value, hostRunSchema),
      ]),
    );
  }

  /** Sets a waiting host's run; false (and nothing changes) when it has one already. */
  async leaveWaiting(requestId: string, host: string, run: HostRun): Promise<boolean> {
    const key = this.keys.rolloutRuns(requestId);
    const [[, set] = []] =
      (await this.redis
        .multi()
        .hsetnx(key, host, JSON.stringify(run))
        .expire(key, RUNS_TTL_S)
        .exec()) ?? [];
    return set === 1;
  }

  /** Sets a host's run, whatever it was. */
  async set(requestId: string, host: string, run: HostRun): Promise<void> {
    const key = this.keys.rolloutRuns(requestId);
    await this.redis.multi().hset(key, host, JSON.stringify(run)).expire(key, RUNS_TTL_S).exec();
  }
}
