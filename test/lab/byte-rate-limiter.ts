import { setTimeout as sleep } from "node:timers/promises";

/** A bandwidth shared by every caller: see {@link createByteRateLimiter}. */
export interface ByteRateLimiter {
  /** Resolves once `bytes` more may be sent. */
  take(bytes: number): Promise<void>;
}

/**
 * A link of `bytesPerSecond`, shared by every caller in the order they ask:
 * each grant waits until the link would have finished carrying it, so from
 * the start of any busy spell no more than `bytesPerSecond` × elapsed time has
 * been granted. An idle link saves up no credit, so there is no burst.
 */
export function createByteRateLimiter(bytesPerSecond: number): ByteRateLimiter {
  if (!(bytesPerSecond > 0) || !Number.isFinite(bytesPerSecond)) {
    throw new Error(
      `byte rate limiter: bytesPerSecond must be a positive number, not ${bytesPerSecond}`,
    );
  }
  // When the link is next free, on performance.now()'s clock. Grants are
  // reckoned on this clock, not on when a timer fired, so timer lag never adds up.
  let freeAt = 0;
  return {
    async take(bytes) {
      const now = performance.now();
      freeAt = Math.max(now, freeAt) + (bytes * 1000) / bytesPerSecond;
      const wait = freeAt - now;
      if (wait > 0) await sleep(wait);
    },
  };
}
