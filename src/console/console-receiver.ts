import { randomBytes } from "node:crypto";
import type { App, Receiver } from "@slack/bolt";

/** What the app acknowledged a payload with (a slash command's private answer), if anything. */
export type Acknowledgement = { text?: string } | string | undefined;

/**
 * A Bolt Receiver for the console (built as bolt-js's own receivers are):
 * instead of an HTTP endpoint or a socket, `send` hands the app a payload
 * shaped as Slack sends it, and the app's middleware and listeners, the
 * bot's own, handle it. Resolves once the listeners are done.
 */
export class ConsoleReceiver implements Receiver {
  private app: App | undefined;

  init(app: App): void {
    this.app = app;
  }

  async start(): Promise<void> {}

  async stop(): Promise<void> {}

  async send(body: Record<string, unknown>): Promise<Acknowledgement> {
    if (!this.app) throw new Error("ConsoleReceiver: no app; pass the receiver to the App first");
    let acknowledged: Acknowledgement;
    await this.app.processEvent({
      body,
      ack: async (response?: unknown) => {
        acknowledged = response as Acknowledgement;
      },
    });
    return acknowledged;
  }
}

/** The slash command payload Slack sends for `/kcm <text>`. */
export function slashCommandBody(fields: {
  user: string;
  channel: string;
  text: string;
  triggerId: string;
  responseUrl: string;
}): Record<string, unknown> {
  return {
    command: "/kcm",
    text: fields.text,
    user_id: fields.user,
    channel_id: fields.channel,
    team_id: "T0CONSOLE",
    trigger_id: fields.triggerId,
    response_url: fields.responseUrl,
  };
}

/** The block_actions payload Slack sends when a person clicks a request's button. */
export function buttonClickBody(fields: {
  user: string;
  channel: string;
  actionId: string;
  requestId: string;
  responseUrl: string;
  /** Slack's id of the click; a new one by default (the same one: a redelivery). */
  triggerId?: string;
}): Record<string, unknown> {
  return {
    type: "block_actions",
    trigger_id: fields.triggerId ?? `${Date.now()}.${randomBytes(6).toString("hex")}`,
    user: { id: fields.user },
    team: { id: "T0CONSOLE" },
    channel: { id: fields.channel },
    container: { type: "message", channel_id: fields.channel },
    response_url: fields.responseUrl,
    actions: [
      {
        type: "button",
        action_id: fields.actionId,
        block_id: `kcm_request_${fields.requestId}`,
        value: fields.requestId,
        action_ts: String(Date.now() / 1000),
      },
    ],
  };
}
