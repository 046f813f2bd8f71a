/**
 * Every Redis key kcm-chatops writes, under one prefix (so tests, and
 * several deployments sharing a Redis, never collide).
 * @defaultValue prefix `kcm`
 */
export function storeKeys(prefix = "kcm") {
  return {
    hostLock: (host: string) => `${prefix}:lock:host:${host}`,
    fence: `${prefix}:lock:fence`,
    journal: (jobId: string) => `${prefix}:journal:${jobId}`,
    /** The ids of a journal's entries, which make an append idempotent. */
    journalIds: (jobId: string) => `${prefix}:journal:${jobId}:ids`,
    audit: `${prefix}:audit`,
    /** Marks an audit entry written under an idempotency key (see RedisAuditLog). */
    auditOnce: (key: string) => `${prefix}:audit:once:${key}`,
    lastTransaction: (host: string) => `${prefix}:host:${host}:last-upgrade`,
    requestPrefix: `${prefix}:request:`,
    requests: `${prefix}:requests`,
    hostRequests: (host: string) => `${prefix}:host:${host}:requests`,
    dedupe: (key: string) => `${prefix}:dedupe:${key}`,
    /** A running process's heartbeat: which inventory it runs (see RedisHeartbeats). */
    heartbeat: (role: string, id: string) => `${prefix}:heartbeat:${role}:${id}`,
    /** Each host's last check, for the App Home (a hash: host → snapshot). */
    fleetView: `${prefix}:fleet:hosts`,
    /** The fleet state the last scheduled-check notice was given for. */
    fleetNotice: `${prefix}:notice:fleet`,
    /** A click's trigger id, once acted on (see RedisDeliveries). */
    delivery: (triggerId: string) => `${prefix}:delivery:${triggerId}`,
    /** Where each host of a rollout is (a hash: host → run). */
    rolloutRuns: (requestId: string) => `${prefix}:rollout:${requestId}:runs`,
  };
}
export type StoreKeys = ReturnType<typeof storeKeys>;
