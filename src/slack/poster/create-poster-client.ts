import { webApi } from "@slack/bolt";

/**
 * A WebClient for the poster: a 429 is handed back at once (with its
 * `retryAfter`) instead of being waited out inside the client, and nothing
 * is retried by the client, so pacing and retries are the poster's alone.
 * A call that takes longer than `timeoutMs` counts as an outcome unknown.
 */
export function createPosterClient(
  token: string,
  options: { slackApiUrl?: string; timeoutMs?: number; logLevel?: webApi.LogLevel } = {},
): webApi.WebClient {
  return new webApi.WebClient(token, {
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 0 },
    timeout: options.timeoutMs ?? 30_000,
    logLevel: options.logLevel ?? webApi.LogLevel.WARN,
    ...(options.slackApiUrl !== undefined ? { slackApiUrl: options.slackApiUrl } : {}),
  });
}
