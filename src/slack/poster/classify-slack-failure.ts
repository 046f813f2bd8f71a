import type { webApi } from "@slack/bolt";

/**
 * What a failed Slack call means for the poster:
 * - `rate-limited`: not taken; call again after `retryAfterMs`;
 * - `transient`: Slack or the network failed; the call may or may not have
 *   taken effect; call again later (after checking, for a post);
 * - `refused`: the token or the app is refused (revoked, missing scope):
 *   not taken; nothing will work until an operator fixes it, so everything
 *   waits (and is retried slowly) rather than being thrown away;
 * - `permanent`: this very call can never succeed (`channel_not_found`,
 *   `invalid_blocks`...): not taken; drop it.
 */
export type SlackFailure =
  | { kind: "rate-limited"; retryAfterMs: number; reason: string }
  | { kind: "transient"; reason: string }
  | { kind: "refused"; reason: string }
  | { kind: "permanent"; reason: string };

// @slack/web-api's ErrorCode values (typed against the enum; only types are imported).
const RATE_LIMITED: `${webApi.ErrorCode.RateLimitedError}` = "slack_webapi_rate_limited_error";
const PLATFORM: `${webApi.ErrorCode.PlatformError}` = "slack_webapi_platform_error";
const HTTP: `${webApi.ErrorCode.HTTPError}` = "slack_webapi_http_error";
const REQUEST: `${webApi.ErrorCode.RequestError}` = "slack_webapi_request_error";
const UPLOAD_ARGS: `${webApi.ErrorCode.FileUploadInvalidArgumentsError}` =
  "slack_webapi_file_upload_invalid_args_error";

/** `ok: false` errors that say "Slack had a problem", not "your call is wrong". */
const SLACK_SIDE = new Set([
  "internal_error",
  "fatal_error",
  "service_unavailable",
  "request_timeout",
  "team_added_to_org",
]);

/** `ok: false` errors about the token or the app's grants, not about one message. */
const REFUSED = new Set([
  "not_authed",
  "invalid_auth",
  "account_inactive",
  "token_revoked",
  "token_expired",
  "no_permission",
  "missing_scope",
  "not_allowed_token_type",
  "org_login_required",
  "ekm_access_denied",
  "team_access_not_granted",
  "access_denied",
]);

/** Sorts an error thrown by a WebClient call (anything else counts as transient). */
export function classifySlackFailure(error: unknown): SlackFailure {
  const fields = (error ?? {}) as {
    code?: unknown;
    retryAfter?: unknown;
    statusCode?: unknown;
    data?: { error?: unknown };
    message?: unknown;
  };
  const message = typeof fields.message === "string" ? fields.message : String(error);
  switch (fields.code) {
    case RATE_LIMITED: {
      const seconds = typeof fields.retryAfter === "number" ? fields.retryAfter : 1;
      return { kind: "rate-limited", retryAfterMs: seconds * 1000, reason: "HTTP 429" };
    }
    case PLATFORM: {
      const reason = typeof fields.data?.error === "string" ? fields.data.error : "unknown_error";
      if (reason === "ratelimited" || reason === "rate_limited") {
        return { kind: "rate-limited", retryAfterMs: 1000, reason };
      }
      if (SLACK_SIDE.has(reason)) return { kind: "transient", reason };
      if (REFUSED.has(reason)) return { kind: "refused", reason };
      return { kind: "permanent", reason };
    }
    case HTTP:
      return { kind: "transient", reason: `HTTP ${String(fields.statusCode)}` };
    case REQUEST:
      return { kind: "transient", reason: `request failed: ${message}` };
    case UPLOAD_ARGS:
      return { kind: "permanent", reason: message };
    default:
      return { kind: "transient", reason: message };
  }
}
