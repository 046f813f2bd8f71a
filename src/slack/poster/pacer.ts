/**
 * Spaces calls: `take` a slot right before a call; the next slot opens
 * `intervalMs` later, or when a 429's Retry-After ends, whichever is later.
 */
export class Pacer {
  private next = 0;

  constructor(private readonly intervalMs: number) {}

  /** When the next call may start (ms since the epoch). */
  readyAt(): number {
    return this.next;
  }

  take(now: number): void {
    this.next = Math.max(this.next, now + this.intervalMs);
  }

  /** Holds every call until `until` (Slack said "Retry-After"). */
  holdUntil(until: number): void {
    this.next = Math.max(this.next, until);
  }
}
