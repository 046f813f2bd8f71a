import type { Redis } from "ioredis";
import { PosterError } from "./poster-error.js";
import type { PosterKeys } from "./poster-keys.js";
import type { MessageContent } from "./slack-poster.js";
import {
  intentFields,
  type NewIntent,
  type StoredIntent,
  storedIntentSchema,
} from "./stored-intent.js";

// KEYS: channels, queue, intent, message (or none), thread root message (or none)
// ARGV: channel, id, has key, has thread key, ttl, field, value, ...
const ENQUEUE = `
if ARGV[4] == '1' then
  local rootChannel = redis.call('HGET', KEYS[5], 'channel')
  if not rootChannel then return {'unknown-thread'} end
  if rootChannel ~= ARGV[1] then return {'thread-in-other-channel', rootChannel} end
end
if ARGV[3] == '1' then
  if redis.call('EXISTS', KEYS[4]) == 1 then
    return {'duplicate', redis.call('HGET', KEYS[4], 'intent') or ''}
  end
  redis.call('HSET', KEYS[4], 'channel', ARGV[1], 'state', 'queued', 'intent', ARGV[2])
  redis.call('EXPIRE', KEYS[4], ARGV[5])
end
redis.call('HSET', KEYS[3], unpack(ARGV, 6))
redis.call('RPUSH', KEYS[2], ARGV[2])
redis.call('SADD', KEYS[1], ARGV[1])
return {'queued'}`;

// KEYS: message, edit, edits, channels  ARGV: key, content, now, ttl, channel
const SET_EDIT = `
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return 'unknown-key' end
if state == 'dropped' then return 'dropped' end
redis.call('HSET', KEYS[2], 'content', ARGV[2])
redis.call('HINCRBY', KEYS[2], 'version', 1)
redis.call('EXPIRE', KEYS[2], ARGV[4])
redis.call('EXPIRE', KEYS[1], ARGV[4])
redis.call('ZADD', KEYS[3], 'NX', ARGV[3], ARGV[1])
redis.call('SADD', KEYS[4], ARGV[5])
return 'queued'`;

// Takes an intent off its queue; records a keyed message as posted (ts) or dropped (reason),
// and clears the edit that was sent with it (only that version: a newer one still waits).
// KEYS: queue, intent, message (or none), edit (or none), edits
// ARGV: id, outcome (posted|dropped), ts or reason, has key, key, edit version or '', ttl
const FINISH_INTENT = `
if redis.call('LINDEX', KEYS[1], 0) == ARGV[1] then redis.call('LPOP', KEYS[1])
else redis.call('LREM', KEYS[1], 1, ARGV[1]) end
redis.call('DEL', KEYS[2])
if ARGV[4] == '1' then
  if ARGV[2] == 'posted' then
    redis.call('HSET', KEYS[3], 'state', 'posted', 'ts', ARGV[3])
  else
    redis.call('HSET', KEYS[3], 'state', 'dropped', 'reason', ARGV[3])
  end
  redis.call('EXPIRE', KEYS[3], ARGV[7])
  if ARGV[2] == 'dropped' or (ARGV[6] ~= '' and redis.call('HGET', KEYS[4], 'version') == ARGV[6]) then
    redis.call('DEL', KEYS[4])
    redis.call('ZREM', KEYS[5], ARGV[5])
  end
end
return 1`;

// KEYS: edit, edits  ARGV: key, version ('' = whatever is there)
const FINISH_EDIT = `
local version = redis.call('HGET', KEYS[1], 'version')
if ARGV[2] ~= '' and version and version ~= ARGV[2] then return 0 end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return 1`;

// KEYS: channels, queue, edits  ARGV: channel
const RELEASE_CHANNEL = `
if redis.call('LLEN', KEYS[2]) > 0 or redis.call('ZCARD', KEYS[3]) > 0 then return 0 end
redis.call('SREM', KEYS[1], ARGV[1])
return 1`;

/** A keyed message's record. */
export interface MessageRecord {
  channel: string;
  state: "queued" | "posted" | "dropped";
  ts?: string;
  reason?: string;
}

/** The latest waiting edit of a message. */
export interface WaitingEdit {
  content: MessageContent;
  version: string;
}

/** The poster's queues in Redis: every change that must not be half-made is one script. */
export class PosterStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: PosterKeys,
    private readonly ttlSeconds: number,
  ) {}

  /** Appends an intent to its channel's queue; a keyed post whose key exists is a duplicate. */
  async enqueue(
    id: string,
    now: number,
    intent: NewIntent,
  ): Promise<{ duplicate: boolean; id: string }> {
    const key = intent.kind === "post" ? intent.key : undefined;
    const threadKey =
      intent.thread !== undefined && "threadKey" in intent.thread
        ? intent.thread.threadKey
        : undefined;
    const k = this.keys;
    const answer = (await this.redis.eval(
      ENQUEUE,
      5,
      k.channels,
      k.queue(intent.channel),
      k.intent(id),
      key === undefined ? k.none : k.message(key),
      threadKey === undefined ? k.none : k.message(threadKey),
      intent.channel,
      id,
      key === undefined ? "0" : "1",
      threadKey === undefined ? "0" : "1",
      this.ttlSeconds,
      ...intentFields(id, now, intent),
    )) as [string, string?];
    const [outcome, detail] = answer;
    if (outcome === "unknown-thread") {
      throw new PosterError("unknown-thread", `no message was posted with key "${threadKey}"`);
    }
    if (outcome === "thread-in-other-channel") {
      throw new PosterError(
        "thread-in-other-channel",
        `the root "${threadKey}" is in ${detail}, the reply was for ${intent.channel}`,
      );
    }
    return outcome === "duplicate"
      ? { duplicate: true, id: detail ?? "" }
      : { duplicate: false, id };
  }

  /** Stores the latest content for a keyed message: its channel, or undefined when it was dropped. */
  async setEdit(key: string, content: MessageContent, now: number): Promise<string | undefined> {
    const channel = await this.redis.hget(this.keys.message(key), "channel");
    if (channel === null)
      throw new PosterError("unknown-key", `no message was posted with key "${key}"`);
    const k = this.keys;
    const outcome = await this.redis.eval(
      SET_EDIT,
      4,
      k.message(key),
      k.edit(key),
      k.edits(channel),
      k.channels,
      key,
      JSON.stringify(content),
      now,
      this.ttlSeconds,
      channel,
    );
    if (outcome === "unknown-key") {
      throw new PosterError("unknown-key", `no message was posted with key "${key}"`);
    }
    return outcome === "queued" ? channel : undefined;
  }

  async channelsWithWork(): Promise<string[]> {
    return this.redis.smembers(this.keys.channels);
  }

  async isIdle(): Promise<boolean> {
    return (await this.redis.scard(this.keys.channels)) === 0;
  }

  /**
   * The first intent of a channel's queue. An entry that cannot be read (its
   * hash gone, or not of our schema) is taken off the queue and reported.
   */
  async head(
    channel: string,
  ): Promise<{ intent: StoredIntent } | { broken: string; reason: string } | undefined> {
    const id = await this.redis.lindex(this.keys.queue(channel), 0);
    if (id === null) return undefined;
    const parsed = storedIntentSchema.safeParse(await this.redis.hgetall(this.keys.intent(id)));
    if (parsed.success) return { intent: parsed.data };
    await this.redis.lrem(this.keys.queue(channel), 1, id);
    await this.redis.del(this.keys.intent(id));
    return { broken: id, reason: parsed.error.issues.map((i) => i.message).join("; ") };
  }

  async message(key: string): Promise<MessageRecord | undefined> {
    const record = await this.redis.hgetall(this.keys.message(key));
    const { channel, state, ts, reason } = record;
    if (
      channel === undefined ||
      (state !== "queued" && state !== "posted" && state !== "dropped")
    ) {
      return undefined;
    }
    return {
      channel,
      state,
      ...(ts !== undefined ? { ts } : {}),
      ...(reason !== undefined ? { reason } : {}),
    };
  }

  /** Keys with a waiting edit in a channel, longest waiting first. */
  async editedKeys(channel: string): Promise<string[]> {
    return this.redis.zrange(this.keys.edits(channel), 0, -1);
  }

  async edit(key: string): Promise<WaitingEdit | undefined> {
    const [content, version] = await this.redis.hmget(this.keys.edit(key), "content", "version");
    if (content == null || version == null) return undefined;
    return { content: JSON.parse(content) as MessageContent, version };
  }

  async markSent(id: string, at: number): Promise<void> {
    await this.redis.hset(this.keys.intent(id), "sentAt", String(at));
  }

  async clearSent(id: string): Promise<void> {
    await this.redis.hdel(this.keys.intent(id), "sentAt");
  }

  /** Done with an intent: posted (with the ts, and the edit version it carried) or dropped. */
  async finishIntent(
    intent: StoredIntent,
    outcome: { posted: string; editVersion?: string } | { dropped: string },
  ): Promise<void> {
    const key = intent.kind === "post" ? intent.key : undefined;
    const k = this.keys;
    await this.redis.eval(
      FINISH_INTENT,
      5,
      k.queue(intent.channel),
      k.intent(intent.id),
      key === undefined ? k.none : k.message(key),
      key === undefined ? k.none : k.edit(key),
      k.edits(intent.channel),
      intent.id,
      "posted" in outcome ? "posted" : "dropped",
      "posted" in outcome ? outcome.posted : outcome.dropped,
      key === undefined ? "0" : "1",
      key ?? "",
      "posted" in outcome ? (outcome.editVersion ?? "") : "",
      this.ttlSeconds,
    );
  }

  /** Done with an edit (sent or dropped); a newer version, if one arrived meanwhile, stays. */
  async finishEdit(channel: string, key: string, version: string): Promise<void> {
    await this.redis.eval(
      FINISH_EDIT,
      2,
      this.keys.edit(key),
      this.keys.edits(channel),
      key,
      version,
    );
  }

  /** Takes a channel off the work set if its queue and edits are empty (atomically with new work). */
  async releaseChannel(channel: string): Promise<boolean> {
    const k = this.keys;
    const released = await this.redis.eval(
      RELEASE_CHANNEL,
      3,
      k.channels,
      k.queue(channel),
      k.edits(channel),
      channel,
    );
    return released === 1;
  }
}
