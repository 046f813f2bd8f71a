import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from "@slack/bolt";
import type { BotDeps } from "../../bot-deps.js";

export type ButtonArgs = SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs;

/**
 * What every button on a channel message does first: acknowledges the click
 * at once, and refuses (privately, with `refusal`) a click outside the bot's
 * channels. Resolves to the channel and a way to answer the clicker
 * privately, or undefined when the click goes no further.
 */
export async function clickInOwnChannel(
  { ack, body, respond }: ButtonArgs,
  deps: Pick<BotDeps, "slack">,
  refusal: string,
): Promise<{ channel: string; tell: (text: string) => Promise<unknown> } | undefined> {
  await ack();
  const tell = (text: string) =>
    respond({ response_type: "ephemeral", replace_original: false, text });
  const channel = body.channel?.id;
  if (!channel || !deps.slack.channels.includes(channel)) {
    await tell(refusal);
    return undefined;
  }
  return { channel, tell };
}
