/**
 * The poster's Redis keys under one prefix. For Redis Cluster give a prefix
 * in braces (`{kcm:slack}`) so every key lands in one slot, as the scripts
 * touch several at once.
 */
export function posterKeys(prefix: string) {
  return {
    /** SET of channels that may have work. */
    channels: `${prefix}:channels`,
    /** LIST of intent ids, oldest first: the channel's messages and uploads, in order. */
    queue: (channel: string) => `${prefix}:queue:${channel}`,
    /** HASH: one queued message or upload (see stored-intent.ts). */
    intent: (id: string) => `${prefix}:intent:${id}`,
    /** HASH: a keyed message: channel, state (queued|posted|dropped), ts, intent, reason. */
    message: (key: string) => `${prefix}:message:${key}`,
    /** HASH: the latest waiting edit of a keyed message: content (JSON), version. */
    edit: (key: string) => `${prefix}:edit:${key}`,
    /** ZSET: keys with a waiting edit in the channel, by when they first waited. */
    edits: (channel: string) => `${prefix}:edits:${channel}`,
    /** STRING: the id of the process that delivers (with a TTL). */
    lease: `${prefix}:lease`,
    /** A key never written: fills a script's key slot that a call does not use. */
    none: `${prefix}:none`,
  };
}

export type PosterKeys = ReturnType<typeof posterKeys>;
