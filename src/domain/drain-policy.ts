/**
 * The drain before a stop: how long a job waits for the host's remote
 * sessions to end, and what it does when they have not. Pure.
 */

/** How long to wait for sessions to end before the stop, and what then. */
export interface DrainPolicy {
  /** 0: no wait (the stop cuts what is open, and the thread says how many). */
  waitMinutes: number;
  /** Sessions still open at the end of the wait: stop anyway, or leave the host as it is. */
  onTimeout: "proceed" | "abort";
  /** How often the count is read while waiting. */
  pollSeconds: number;
}

/** No wait: today's stop, which says how many sessions it cuts. */
export const DEFAULT_DRAIN_POLICY: DrainPolicy = {
  waitMinutes: 0,
  onTimeout: "proceed",
  pollSeconds: 15,
};

/** Why a drain ended. */
export type DrainEnd = "drained" | "timeout" | "window-end" | "unknown";

/**
 * When the wait that began at `since` must end (ms since epoch): after
 * `waitMinutes`, or earlier when the window's end comes first (the stop must
 * begin inside the window), and which of the two it is.
 */
export function drainDeadline(
  policy: Pick<DrainPolicy, "waitMinutes">,
  since: number,
  windowEnd: number,
): { at: number; end: "timeout" | "window-end" } {
  const timeout = since + policy.waitMinutes * 60_000;
  return timeout <= windowEnd
    ? { at: timeout, end: "timeout" }
    : { at: windowEnd, end: "window-end" };
}
