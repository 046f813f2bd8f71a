import type { Redis } from "ioredis";
import { LockLostError } from "../runbook/runbook-failure.js";
import type { Journal, JournalEntry } from "../runbook/runbook-ports.js";
import type { StoreKeys } from "./store-keys.js";

// Appends only while the host lock still carries our fencing token.
const APPEND = `
local current = redis.call('GET', KEYS[1])
if not current or cjson.decode(current).token ~= tonumber(ARGV[1]) then return 0 end
redis.call('RPUSH', KEYS[2], ARGV[2])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
return 1`;

/** Journals are kept this long after their last entry. */
const JOURNAL_TTL_MS = 90 * 24 * 3600 * 1000;

/**
 * A job's step journal in Redis (a list of JSON entries), fenced by the host
 * lock's token: a worker that lost the host cannot append.
 */
export class RedisJournal implements Journal {
  constructor(
    private readonly redis: Redis,
    private readonly keys: StoreKeys,
    private readonly jobId: string,
    private readonly host: string,
    private readonly token: number,
  ) {}

  async load(): Promise<JournalEntry[]> {
    const raw = await this.redis.lrange(this.keys.journal(this.jobId), 0, -1);
    return raw.map((line) => JSON.parse(line) as JournalEntry);
  }

  async append(entry: JournalEntry): Promise<void> {
    const ok = await this.redis.eval(
      APPEND,
      2,
      this.keys.hostLock(this.host),
      this.keys.journal(this.jobId),
      this.token,
      JSON.stringify(entry),
      JOURNAL_TTL_MS,
    );
    if (ok !== 1)
      throw new LockLostError(`${this.host}: another worker holds the host now; stopping`);
  }
}
