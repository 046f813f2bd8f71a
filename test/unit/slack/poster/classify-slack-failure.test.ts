import { webApi } from "@slack/bolt";
import { describe, expect, it } from "vitest";
import { classifySlackFailure } from "../../../../src/slack/poster/classify-slack-failure.js";

const platform = (error: string) => new webApi.WebAPIPlatformError({ ok: false, error });

describe("classifySlackFailure", () => {
  it("reads a 429's Retry-After", () => {
    expect(classifySlackFailure(new webApi.WebAPIRateLimitedError(2))).toEqual({
      kind: "rate-limited",
      retryAfterMs: 2000,
      reason: "HTTP 429",
    });
  });

  it("drops what this call can never do", () => {
    for (const error of ["channel_not_found", "not_in_channel", "invalid_blocks", "msg_too_long"]) {
      expect(classifySlackFailure(platform(error))).toEqual({ kind: "permanent", reason: error });
    }
  });

  it("holds everything while the token or the app is refused", () => {
    for (const error of ["invalid_auth", "token_revoked", "missing_scope"]) {
      expect(classifySlackFailure(platform(error))).toEqual({ kind: "refused", reason: error });
    }
  });

  it("retries Slack's own trouble, HTTP errors and network errors", () => {
    expect(classifySlackFailure(platform("internal_error")).kind).toBe("transient");
    expect(
      classifySlackFailure(new webApi.WebAPIHTTPError(503, "Service Unavailable", {})),
    ).toEqual({
      kind: "transient",
      reason: "HTTP 503",
    });
    const network = new webApi.WebAPIRequestError(new Error("fetch failed"));
    expect(classifySlackFailure(network).kind).toBe("transient");
    expect(classifySlackFailure(new Error("Failed to upload file")).kind).toBe("transient");
    expect(classifySlackFailure(undefined).kind).toBe("transient");
  });

  it("treats an ok:false rate limit as a 429", () => {
    expect(classifySlackFailure(platform("ratelimited")).kind).toBe("rate-limited");
  });
});
