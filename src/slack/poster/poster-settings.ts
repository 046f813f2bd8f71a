/** How fast the poster talks to Slack, and how patiently it retries. */
export interface PosterSettings {
  /**
   * Least time between two messages (or uploads) in one channel: Slack's
   * chat.postMessage allows about one per second per channel.
   * @defaultValue 1000
   */
  postIntervalMs: number;
  /**
   * Least time between two chat.update calls, across channels: chat.update
   * is Web API Tier 3 (50+ per minute per workspace).
   * @defaultValue 1200
   */
  updateIntervalMs: number;
  /**
   * Least time between two edits of one message: a message edited often
   * (a rollout's root, a line per host) shows its latest state at this pace,
   * in fewer calls. @defaultValue 3000
   */
  messageEditIntervalMs: number;
  /** Retries after a 5xx or network error: doubling from `initialMs` up to `maxMs`, ±20 %. */
  backoff: { initialMs: number; maxMs: number };
  /** Retry interval while the token or app is refused (`invalid_auth`, `missing_scope`...). @defaultValue 60000 */
  authRetryMs: number;
  /** How often a started poster looks for work queued by other processes. @defaultValue 500 */
  pollMs: number;
  /** The delivery lease's lifetime; one process per prefix delivers. @defaultValue 15000 */
  leaseMs: number;
  /** How long `stop()` waits for calls in flight. @defaultValue 10000 */
  stopGraceMs: number;
  /** How long a message key (key → ts) is kept after its last use. @defaultValue 30 days */
  keyTtlSeconds: number;
  /**
   * When an attempt's outcome is unknown, Slack's history is searched from
   * this long before the attempt (covers clock skew between us and Slack).
   * @defaultValue 120000
   */
  verifyMarginMs: number;
}

/** The defaults, from Slack's documented limits. */
export const DEFAULT_POSTER_SETTINGS: PosterSettings = {
  postIntervalMs: 1000,
  updateIntervalMs: 1200,
  messageEditIntervalMs: 3000,
  backoff: { initialMs: 1000, maxMs: 30_000 },
  authRetryMs: 60_000,
  pollMs: 500,
  leaseMs: 15_000,
  stopGraceMs: 10_000,
  keyTtlSeconds: 30 * 24 * 3600,
  verifyMarginMs: 120_000,
};
