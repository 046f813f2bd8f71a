import { createHmac } from "node:crypto";

/**
 * Posts to the bot exactly as Slack does: a form body, signed `v0=` +
 * HMAC-SHA256 of `v0:<timestamp>:<body>` with the app's signing secret.
 */
export function postSigned(
  url: string,
  secret: string,
  form: Record<string, string>,
  options: { timestamp?: number; signature?: string; retryNum?: number } = {},
): Promise<{ status: number; body: string; ms: number }> {
  return postSignedBody(
    url,
    secret,
    new URLSearchParams(form).toString(),
    "application/x-www-form-urlencoded",
    options,
  );
}

/** An Events API callback (`event_callback` with `event`), posted and signed as Slack does. */
export function postSignedEvent(url: string, secret: string, event: Record<string, unknown>) {
  const body = JSON.stringify({
    token: "deprecated-verification-token",
    team_id: "T0KCMTEAM",
    api_app_id: "A0KCMAPP",
    type: "event_callback",
    event_id: `Ev${Date.now()}`,
    event_time: Math.floor(Date.now() / 1000),
    event,
  });
  return postSignedBody(url, secret, body, "application/json");
}

async function postSignedBody(
  url: string,
  secret: string,
  body: string,
  contentType: string,
  options: { timestamp?: number; signature?: string; retryNum?: number } = {},
): Promise<{ status: number; body: string; ms: number }> {
  const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
  const signature =
    options.signature ??
    `v0=${createHmac("sha256", secret).update(`v0:${timestamp}:${body}`).digest("hex")}`;
  const started = performance.now();
  const response = await fetch(url, {
    method: "POST",
    headers: {
      "Content-Type": contentType,
      "X-Slack-Request-Timestamp": timestamp,
      "X-Slack-Signature": signature,
      ...(options.retryNum === undefined
        ? {}
        : {
            "X-Slack-Retry-Num": String(options.retryNum),
            "X-Slack-Retry-Reason": "http_timeout",
          }),
    },
    body,
  });
  const text = await response.text();
  return { status: response.status, body: text, ms: performance.now() - started };
}

/** A `/kcm` slash command payload as Slack sends it. */
export function slashCommand(fields: {
  user: string;
  channel: string;
  text: string;
  responseUrl: string;
  triggerId?: string;
}): Record<string, string> {
  return {
    token: "deprecated-verification-token",
    team_id: "T0KCMTEAM",
    team_domain: "kcm",
    channel_id: fields.channel,
    channel_name: "kcm-ops",
    user_id: fields.user,
    user_name: fields.user.toLowerCase(),
    command: "/kcm",
    text: fields.text,
    api_app_id: "A0KCMAPP",
    is_enterprise_install: "false",
    response_url: fields.responseUrl,
    trigger_id:
      fields.triggerId ?? `${Date.now()}.${Math.floor(Math.random() * 1e9)}.abcdef0123456789`,
  };
}

/** A button click (block_actions) payload as Slack sends it. */
export function buttonClick(fields: {
  user: string;
  channel: string;
  actionId: string;
  value: string;
  messageTs: string;
  responseUrl: string;
}): Record<string, string> {
  return {
    payload: JSON.stringify({
      type: "block_actions",
      user: { id: fields.user, username: fields.user.toLowerCase(), team_id: "T0KCMTEAM" },
      api_app_id: "A0KCMAPP",
      token: "deprecated-verification-token",
      container: {
        type: "message",
        message_ts: fields.messageTs,
        channel_id: fields.channel,
        is_ephemeral: false,
      },
      trigger_id: `${Date.now()}.${Math.floor(Math.random() * 1e9)}.fedcba9876543210`,
      team: { id: "T0KCMTEAM", domain: "kcm" },
      channel: { id: fields.channel, name: "kcm-ops" },
      message: { type: "message", ts: fields.messageTs, text: "request" },
      response_url: fields.responseUrl,
      actions: [
        {
          type: "button",
          action_id: fields.actionId,
          block_id: `kcm_request_${fields.value}`,
          value: fields.value,
          text: { type: "plain_text", text: "button" },
          action_ts: String(Date.now() / 1000),
        },
      ],
    }),
  };
}
