import { classifySlackFailure } from "./classify-slack-failure.js";
import type { Delivery, PosterContext } from "./poster-context.js";

/**
 * Sends the latest waiting edit of a posted message with chat.update. Edits
 * that arrive while it is out stay waiting (they are newer); only the
 * version sent is cleared. An update without blocks keeps the message's
 * blocks (Slack's rule for chat.update).
 */
export async function deliverEdit(
  ctx: PosterContext,
  message: { channel: string; key: string; ts: string },
): Promise<Delivery> {
  const edit = await ctx.store.edit(message.key);
  if (edit === undefined) {
    await ctx.store.finishEdit(message.channel, message.key, "");
    return { kind: "done" };
  }
  try {
    await ctx.client.chat.update({
      channel: message.channel,
      ts: message.ts,
      text: edit.content.text,
      ...(edit.content.blocks !== undefined ? { blocks: edit.content.blocks } : {}),
    });
  } catch (error) {
    if (ctx.halted()) return { kind: "halted" };
    const failure = classifySlackFailure(error);
    if (failure.kind !== "permanent") return { kind: "retry", failure };
    await ctx.store.finishEdit(message.channel, message.key, edit.version);
    ctx.log({
      level: "error",
      event: "dropped",
      channel: message.channel,
      key: message.key,
      reason: `update dropped: ${failure.reason}`,
    });
    return { kind: "done" };
  }
  if (ctx.halted()) return { kind: "halted" };
  await ctx.store.finishEdit(message.channel, message.key, edit.version);
  return { kind: "done" };
}
