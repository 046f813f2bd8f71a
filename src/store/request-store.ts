import type { Redis } from "ioredis";
import { z } from "zod";
import {
  type Action,
  type ApprovalPolicy,
  applyAction,
  type Transition,
  type UpgradeRequest,
  upgradeRequestSchema,
} from "../domain/upgrade-request.js";
import type { StoreKeys } from "./store-keys.js";
import { readRecord, StoreRecordError } from "./store-record-error.js";

// Compare-and-set: writes only if the stored version is the one read.
const SWAP = `
local current = redis.call('GET', KEYS[1])
if not current then return -1 end
if cjson.decode(current).version ~= tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL')
return 1`;

/** A stored request: the domain's request plus the version used for compare-and-set. */
const storedSchema = upgradeRequestSchema.extend({ version: z.number().int().min(1) });
type Stored = z.infer<typeof storedSchema>;

const REQUEST_TTL_S = 90 * 24 * 3600;

/**
 * Requests in Redis. Every change goes through the domain's state machine
 * and is written with compare-and-set, so two simultaneous clicks make
 * exactly one decision: the loser re-reads and is told why it was refused.
 * A record that is not a request (corrupt, foreign) is a StoreRecordError
 * naming its key; `recent` leaves such records out, and says so through `warn`.
 */
export class RequestStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: StoreKeys,
    private readonly warn: (line: string) => void = () => {},
  ) {}

  private key(id: string): string {
    return `${this.keys.requestPrefix}${id}`;
  }

  /**
   * Stores a new request. With `dedupeKey` (a Slack trigger_id), the same
   * key within an hour gives back the first request instead of a second one.
   */
  async create(
    request: UpgradeRequest,
    dedupeKey?: string,
  ): Promise<{ created: boolean; id: string }> {
    if (dedupeKey !== undefined) {
      const claimed = await this.redis.set(
        this.keys.dedupe(dedupeKey),
        request.id,
        "EX",
        3600,
        "NX",
      );
      if (claimed !== "OK") {
        return {
          created: false,
          id: (await this.redis.get(this.keys.dedupe(dedupeKey))) ?? request.id,
        };
      }
    }
    const stored: Stored = { ...request, version: 1 };
    const score = Date.parse(request.createdAt);
    const hosts = request.rollout?.hosts.map((h) => h.host) ?? [request.host];
    const write = this.redis
      .multi()
      .set(this.key(request.id), JSON.stringify(stored), "EX", REQUEST_TTL_S, "NX")
      .zadd(this.keys.requests, score, request.id);
    // A rollout is listed under each of its hosts: `status <host>` shows it.
    for (const host of hosts) write.zadd(this.keys.hostRequests(host), score, request.id);
    await write.exec();
    return { created: true, id: request.id };
  }

  async createdWith(dedupeKey: string): Promise<string | undefined> {
    return (await this.redis.get(this.keys.dedupe(dedupeKey))) ?? undefined;
  }

  async get(id: string): Promise<UpgradeRequest | undefined> {
    const raw = await this.redis.get(this.key(id));
    if (raw === null) return undefined;
    const { version: _version, ...request } = readRecord(this.key(id), raw, storedSchema);
    return request;
  }

  /** Applies `action` through the state machine; retried on a concurrent change. */
  async apply(id: string, action: Action, policy: ApprovalPolicy): Promise<Transition> {
    for (let attempt = 0; attempt < 20; attempt++) {
      const raw = await this.redis.get(this.key(id));
      if (raw === null)
        return { ok: false, reason: `there is no request ${id} (or it is older than 90 days)` };
      const stored = readRecord(this.key(id), raw, storedSchema);
      const { version, ...request } = stored;
      const transition = applyAction(request, action, policy);
      if (!transition.ok) return transition;
      const next: Stored = { ...transition.request, version: version + 1 };
      const swapped = await this.redis.eval(SWAP, 1, this.key(id), version, JSON.stringify(next));
      if (swapped === 1) return transition;
    }
    return { ok: false, reason: `request ${id} is changing too fast; try again` };
  }

  /** The newest requests (of one host, if given), newest first. */
  async recent(options: { host?: string; limit?: number } = {}): Promise<UpgradeRequest[]> {
    const index =
      options.host === undefined ? this.keys.requests : this.keys.hostRequests(options.host);
    const ids = await this.redis.zrevrange(index, 0, (options.limit ?? 20) - 1);
    const found = await Promise.all(
      ids.map((id) =>
        this.get(id).catch((error: unknown) => {
          // One unreadable record must not hide the others from `/kcm status`.
          if (!(error instanceof StoreRecordError)) throw error;
          this.warn(error.message);
          return undefined;
        }),
      ),
    );
    return found.filter((r): r is UpgradeRequest => r !== undefined);
  }
}
