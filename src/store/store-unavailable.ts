import type { Redis } from "ioredis";
import { StoreUnavailableError } from "../runbook/runbook-failure.js";

/**
 * Whether a Redis call failed because Redis could not be reached (rather
 * than a bug or a refusal): the connection is not ready, or ioredis gave up
 * on the command (no retries, no offline queue, its timeout).
 */
export function isUnreachable(redis: Redis, error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  return (
    redis.status !== "ready" ||
    error.name === "MaxRetriesPerRequestError" ||
    /Command timed out|Stream isn't writeable|Connection is closed|ECONNREFUSED|ECONNRESET|ETIMEDOUT/.test(
      error.message,
    )
  );
}

/** Runs a Redis call; an unreachable Redis becomes a {@link StoreUnavailableError}. */
export async function orUnavailable<T>(
  redis: Redis,
  what: string,
  call: () => Promise<T>,
): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (!isUnreachable(redis, error)) throw error;
    throw new StoreUnavailableError(
      `${what}: Redis cannot be reached (${error instanceof Error ? error.message : String(error)})`,
      { cause: error },
    );
  }
}
