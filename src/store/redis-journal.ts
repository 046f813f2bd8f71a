import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import { z } from "zod";
import { STEPS } from "../chat/runbook-event.js";
import { LockLostError } from "../runbook/runbook-failure.js";
import type { Journal, JournalEntry } from "../runbook/runbook-ports.js";
import { type Fence, HOLDS_FENCE } from "./host-lock.js";
import type { StoreKeys } from "./store-keys.js";
import { readRecord } from "./store-record-error.js";
import { orUnavailable } from "./store-unavailable.js";

// Appends only while the host lock still carries our fencing token and
// nonce, and only once per entry id (a write whose answer was lost with the
// connection may be sent again: it lands once).
const APPEND = `${HOLDS_FENCE}
if not holds(KEYS[1], ARGV[1], ARGV[2]) then return 0 end
if redis.call('SADD', KEYS[3], ARGV[3]) == 0 then return 2 end
redis.call('RPUSH', KEYS[2], ARGV[4])
redis.call('PEXPIRE', KEYS[2], ARGV[5])
redis.call('PEXPIRE', KEYS[3], ARGV[5])
return 1`;

/** Journals are kept this long after their last entry. */
const JOURNAL_TTL_MS = 90 * 24 * 3600 * 1000;

/** A journal entry as stored: with the id that makes its append idempotent. */
type StoredEntry = JournalEntry & { id?: string };

const storedEntrySchema = z.object({
  at: z.string(),
  step: z.enum([...STEPS, "job"]),
  event: z.enum(["started", "finished", "failed", "note", "outcome"]),
  exitCode: z.number().int().nullable().exactOptional(),
  durationMs: z.number().exactOptional(),
  data: z.record(z.string(), z.unknown()).exactOptional(),
  id: z.string().exactOptional(),
}) satisfies z.ZodType<StoredEntry>;

/**
 * A job's step journal in Redis (a list of JSON entries), fenced by the host
 * lock's token and nonce: a worker that lost the host cannot append. Redis
 * being unreachable is a `StoreUnavailableError`, never a hang (give it a
 * fail-fast connection).
 */
export class RedisJournal implements Journal {
  constructor(
    private readonly redis: Redis,
    private readonly keys: StoreKeys,
    private readonly jobId: string,
    private readonly host: string,
    private readonly fence: Fence,
  ) {}

  async load(): Promise<JournalEntry[]> {
    const raw = await orUnavailable(this.redis, "journal", () =>
      this.redis.lrange(this.keys.journal(this.jobId), 0, -1),
    );
    const key = this.keys.journal(this.jobId);
    return raw.map((line) => {
      const { id: _, ...entry } = readRecord(key, line, storedEntrySchema);
      return entry;
    });
  }

  /** Appends `entry`; `id` names it, so that appending it again (after a lost answer) adds nothing. */
  async append(entry: JournalEntry, id: string = randomBytes(8).toString("hex")): Promise<void> {
    const stored: StoredEntry = { ...entry, id };
    const ok = await orUnavailable(this.redis, "journal", () =>
      this.redis.eval(
        APPEND,
        3,
        this.keys.hostLock(this.host),
        this.keys.journal(this.jobId),
        this.keys.journalIds(this.jobId),
        this.fence.token,
        this.fence.nonce,
        id,
        JSON.stringify(stored),
        JOURNAL_TTL_MS,
      ),
    );
    if (ok === 0)
      throw new LockLostError(`${this.host}: another worker holds the host now; stopping`);
  }
}
