import type { Redis } from "ioredis";
import type { AuditEvent, AuditLog } from "../domain/audit-event.js";
import { AUDIT_GENESIS, auditHash, CHAIN_FIELDS } from "./audit-chain.js";
import type { StoreKeys } from "./store-keys.js";
import { orUnavailable } from "./store-unavailable.js";

// Compare-and-append: the entry joins the chain only if the stream's last
// entry still has the hash it was computed on (an entry without one, or an
// empty stream, counts as the genesis). One script, so appenders in several
// processes cannot both chain onto the same entry. With an idempotency key
// (KEYS[2], "" for none), an entry whose key was already used is not
// appended again: {2, ""}.
// ARGV: expected prev, genesis, key TTL in ms, then the entry's fields (prev and hash last).
const APPEND = `
if KEYS[2] ~= '' and redis.call('EXISTS', KEYS[2]) == 1 then return {2, ''} end
local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
local head = ARGV[2]
if last[1] then
  local fields = last[1][2]
  for i = 1, #fields, 2 do
    if fields[i] == 'hash' then head = fields[i + 1] end
  end
end
if head ~= ARGV[1] then return {0, head} end
local id = redis.call('XADD', KEYS[1], '*', unpack(ARGV, 4))
if KEYS[2] ~= '' then redis.call('SET', KEYS[2], id, 'PX', ARGV[3]) end
return {1, id}`;

/** How long an idempotency key is remembered: longer than any job can be redelivered. */
const ONCE_TTL_MS = 90 * 24 * 3600 * 1000;

/** How often an append recomputes its hash after losing a race before it gives up. */
const MAX_ATTEMPTS = 1000;

/**
 * The audit stream: one Redis stream entry per state change (who, what,
 * when, host, step, exit code), so the record never depends on chat
 * messages being delivered. Entries are hash-chained (see `audit-chain.ts`):
 * `kcm-chatops audit verify` finds an entry edited, deleted or inserted.
 */
export class RedisAuditLog implements AuditLog {
  /** The chain's head as this process last saw it; a wrong guess costs one round trip. */
  private head: string | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly keys: StoreKeys,
    private readonly now: () => number = Date.now,
  ) {}

  /** Appends `event`, with `when`, to the chain. */
  async append(event: AuditEvent): Promise<void> {
    await this.appendEntry(event);
  }

  /**
   * {@link append}, resolving to the new entry's stream id and hash; with
   * `once` set and already used, to `undefined` (nothing appended).
   */
  async appendEntry(event: AuditEvent): Promise<{ id: string; hash: string } | undefined> {
    const { once, ...fieldsOf } = event;
    const fields: [string, string][] = [["when", new Date(this.now()).toISOString()]];
    for (const [key, value] of Object.entries(fieldsOf)) {
      if (value === undefined) continue;
      if (CHAIN_FIELDS.includes(key)) throw new Error(`audit: "${key}" is the chain's own field`);
      fields.push([key, value === null ? "null" : String(value)]);
    }
    let prev = this.head ?? AUDIT_GENESIS;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const hash = auditHash(prev, fields);
      const [appended, value] = (await orUnavailable(this.redis, "audit", () =>
        this.redis.eval(
          APPEND,
          2,
          this.keys.audit,
          once === undefined ? "" : this.keys.auditOnce(once),
          prev,
          AUDIT_GENESIS,
          ONCE_TTL_MS,
          ...fields.flat(),
          "prev",
          prev,
          "hash",
          hash,
        ),
      )) as [number, string];
      if (appended === 1) {
        this.head = hash;
        return { id: value, hash };
      }
      if (appended === 2) return undefined;
      prev = value;
    }
    throw new Error(`audit: ${MAX_ATTEMPTS} appenders in a row got in first; giving up`);
  }

  /**
   * Every entry, oldest first, as field maps with the stream id: the
   * event's fields only (the chain's `prev` and `hash` are for `audit
   * verify` and `audit export`).
   */
  async read(count = 10_000): Promise<Record<string, string>[]> {
    const entries = await this.redis.xrange(this.keys.audit, "-", "+", "COUNT", count);
    return entries.map(([id, flat]) => {
      const record: Record<string, string> = { id };
      for (let i = 0; i + 1 < flat.length; i += 2) {
        const name = flat[i] as string;
        if (!CHAIN_FIELDS.includes(name)) record[name] = flat[i + 1] as string;
      }
      return record;
    });
  }
}
