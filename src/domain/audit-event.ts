/** One state change, for the audit stream: who, what, when (added by the store), host, step, exit code. */
export interface AuditEvent {
  requestId: string;
  host: string;
  who: string;
  what: string;
  step?: string;
  exitCode?: number | null;
  detail?: string;
  /**
   * An idempotency key: the entry is appended only if no entry with this key
   * was (a redelivered job repeating its last entry writes it once).
   */
  once?: string;
}

/** The audit stream port (Redis in production, store/redis-audit-log). */
export interface AuditLog {
  append(event: AuditEvent): Promise<void>;
}
