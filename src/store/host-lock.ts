import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import { z } from "zod";
import type { StoreKeys } from "./store-keys.js";
import { readRecord } from "./store-record-error.js";

/**
 * Who holds a host: the job (request) and the worker process running it,
 * with the fencing token and a random nonce. The token orders takings; the
 * nonce makes each one unique even where the token repeats (after a Sentinel
 * failover lost the INCR that made it), so a fenced write checks both.
 */
export interface HostLockHolder {
  token: number;
  nonce: string;
  jobId: string;
  workerId: string;
}

/** What a fenced write compares with the lock's holder. */
export type Fence = Pick<HostLockHolder, "token" | "nonce">;

/** Lua: whether KEYS[1] holds the taking `token`, `nonce`. */
export const HOLDS_FENCE = `
local function holds(key, token, nonce)
  local current = redis.call('GET', key)
  if not current then return false end
  local holder = cjson.decode(current)
  return holder.token == tonumber(token) and holder.nonce == nonce
end`;

// Takes the lock when it is free, or (unless ARGV[5] is "free-only") held by
// the same job (a redelivered job takes over from its dead worker); every
// taking gets a new fencing token.
const ACQUIRE = `
local current = redis.call('GET', KEYS[1])
if current then
  local holder = cjson.decode(current)
  if holder.jobId ~= ARGV[1] or ARGV[5] == 'free-only' then return {0, current} end
end
local token = redis.call('INCR', KEYS[2])
local value = cjson.encode({token = token, nonce = ARGV[4], jobId = ARGV[1], workerId = ARGV[2]})
redis.call('SET', KEYS[1], value, 'PX', ARGV[3])
return {1, value}`;

const RENEW = `${HOLDS_FENCE}
if not holds(KEYS[1], ARGV[1], ARGV[2]) then return 0 end
return redis.call('PEXPIRE', KEYS[1], ARGV[3])`;

const RELEASE = `${HOLDS_FENCE}
if not holds(KEYS[1], ARGV[1], ARGV[2]) then return 0 end
return redis.call('DEL', KEYS[1])`;

/** A held host lock: renew it while working, release it on every way out. */
export class HostLock {
  private timer: NodeJS.Timeout | undefined;
  private lost = false;

  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    readonly holder: HostLockHolder,
    private readonly ttlMs: number,
  ) {}

  get token(): number {
    return this.holder.token;
  }

  /** What this lock's fenced writes carry. */
  get fence(): Fence {
    return { token: this.holder.token, nonce: this.holder.nonce };
  }

  /** False once a renewal found the lock taken by someone else (or expired). */
  get held(): boolean {
    return !this.lost;
  }

  async renew(): Promise<boolean> {
    const ok =
      (await this.redis.eval(
        RENEW,
        1,
        this.key,
        this.holder.token,
        this.holder.nonce,
        this.ttlMs,
      )) === 1;
    if (!ok) this.lost = true;
    return ok;
  }

  /** Renews every third of the TTL until released; `onLost` hears of a lost lock once. */
  keepAlive(onLost: () => void = () => {}): void {
    this.timer = setInterval(
      () => {
        this.renew().then(
          (ok) => {
            if (!ok) {
              clearInterval(this.timer);
              onLost();
            }
          },
          () => {
            // Redis unreachable for a moment: the next renewal tries again before the TTL ends.
          },
        );
      },
      Math.max(100, Math.floor(this.ttlMs / 3)),
    );
    this.timer.unref();
  }

  async release(): Promise<void> {
    clearInterval(this.timer);
    await this.redis.eval(RELEASE, 1, this.key, this.holder.token, this.holder.nonce);
  }
}

const holderSchema = z.object({
  token: z.number().int(),
  nonce: z.string(),
  jobId: z.string(),
  workerId: z.string(),
});

/** Who holds `host`'s lock now, if anyone (validated: a foreign value names its key). */
export async function hostLockHolder(
  redis: Redis,
  keys: StoreKeys,
  host: string,
): Promise<HostLockHolder | undefined> {
  const key = keys.hostLock(host);
  const raw = await redis.get(key);
  return raw === null ? undefined : readRecord(key, raw, holderSchema);
}

export type AcquireResult =
  | { kind: "acquired"; lock: HostLock }
  | { kind: "busy"; holder: HostLockHolder };

/**
 * Takes the host's lock (one runbook per host, fleet-wide) with a TTL and a
 * fencing token. Busy when another job holds it; with `freeOnly`, also when
 * the same job does (another delivery of it is running).
 */
export async function acquireHostLock(
  redis: Redis,
  keys: StoreKeys,
  host: string,
  owner: { jobId: string; workerId: string },
  ttlMs: number,
  options: { freeOnly?: boolean } = {},
): Promise<AcquireResult> {
  const key = keys.hostLock(host);
  const [taken, value] = (await redis.eval(
    ACQUIRE,
    2,
    key,
    keys.fence,
    owner.jobId,
    owner.workerId,
    ttlMs,
    randomBytes(8).toString("hex"),
    options.freeOnly ? "free-only" : "",
  )) as [number, string];
  const holder = readRecord(key, value, holderSchema);
  return taken === 1
    ? { kind: "acquired", lock: new HostLock(redis, key, holder, ttlMs) }
    : { kind: "busy", holder };
}
