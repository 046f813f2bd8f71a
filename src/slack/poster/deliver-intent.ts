import { classifySlackFailure } from "./classify-slack-failure.js";
import { findPostedMessage, INTENT_EVENT_TYPE, type PostedMatch } from "./find-posted-message.js";
import type { Delivery, PosterContext } from "./poster-context.js";
import type { MessageContent } from "./slack-poster.js";
import type { StoredIntent } from "./stored-intent.js";

type Thread =
  | { kind: "ready"; ts?: string }
  | { kind: "waiting" }
  | { kind: "dropped"; reason: string };

/**
 * Delivers the head of a channel's queue: a message or an upload.
 *
 * Exactly once, as far as Slack lets us: `sentAt` is stored before every
 * call and cleared only when Slack answers "not taken" (429, a permanent
 * error). If it is still set when the intent comes round again, an earlier
 * attempt may have arrived (its answer lost, or the process died waiting),
 * so Slack's history is searched first: for the intent id in the message's
 * metadata, or for the upload's file name and title. Found: recorded as
 * posted, not sent again.
 */
export async function deliverIntent(ctx: PosterContext, intent: StoredIntent): Promise<Delivery> {
  const thread = await resolveThread(ctx, intent);
  if (thread.kind === "waiting") return { kind: "wait", ms: ctx.settings.pollMs };
  if (thread.kind === "dropped") return drop(ctx, intent, thread.reason);

  if (intent.sentAt !== undefined) {
    const match: PostedMatch =
      intent.kind === "post"
        ? { intentId: intent.id }
        : { filename: intent.filename, title: intent.title };
    const where = {
      channel: intent.channel,
      since: intent.sentAt - ctx.settings.verifyMarginMs,
      ...(thread.ts !== undefined ? { threadTs: thread.ts } : {}),
    };
    let found: string | undefined;
    try {
      found = await findPostedMessage(ctx.client, where, match);
    } catch (error) {
      if (ctx.halted()) return { kind: "halted" };
      const failure = classifySlackFailure(error);
      // Without the history scope the search can never work: post again rather than wait forever.
      const unreadable = failure.kind === "permanent" || failure.reason === "missing_scope";
      if (!unreadable) return { kind: "retry", failure };
      ctx.log({
        level: "warn",
        event: "unverifiable",
        channel: intent.channel,
        intent: intent.id,
        reason: `cannot read the channel (${failure.reason}); sending again, which may repeat it`,
      });
    }
    if (ctx.halted()) return { kind: "halted" };
    if (found !== undefined) {
      // The message has the content of that attempt; a waiting edit stays and is sent as an update.
      await ctx.store.finishIntent(intent, { posted: found });
      ctx.log({
        level: "info",
        event: "found-earlier-attempt",
        channel: intent.channel,
        intent: intent.id,
        reason: `an earlier attempt had arrived as ${found}; not sent again`,
      });
      return { kind: "done" };
    }
  }

  const edit = intent.kind === "post" && intent.key ? await ctx.store.edit(intent.key) : undefined;
  await ctx.store.markSent(intent.id, ctx.clock.now());
  // The per-channel slot is taken here, after any history search, so the pace is between sends.
  ctx.postPacer(intent.channel).take(ctx.clock.now());
  try {
    const ts =
      intent.kind === "post"
        ? await sendPost(ctx, intent, thread.ts, edit?.content)
        : await sendUpload(ctx, intent, thread.ts);
    if (ctx.halted()) return { kind: "halted" };
    await ctx.store.finishIntent(intent, {
      posted: ts,
      ...(edit !== undefined ? { editVersion: edit.version } : {}),
    });
    return { kind: "done" };
  } catch (error) {
    if (ctx.halted()) return { kind: "halted" };
    const failure = classifySlackFailure(error);
    if (failure.kind === "permanent") return drop(ctx, intent, failure.reason);
    if (failure.kind !== "transient") await ctx.store.clearSent(intent.id);
    return { kind: "retry", failure };
  }
}

async function resolveThread(ctx: PosterContext, intent: StoredIntent): Promise<Thread> {
  if (intent.threadTs !== undefined) return { kind: "ready", ts: intent.threadTs };
  if (intent.threadKey === undefined) return { kind: "ready" };
  const root = await ctx.store.message(intent.threadKey);
  if (root === undefined || root.state === "dropped") {
    return { kind: "dropped", reason: `its thread's root "${intent.threadKey}" was dropped` };
  }
  return root.ts !== undefined ? { kind: "ready", ts: root.ts } : { kind: "waiting" };
}

async function sendPost(
  ctx: PosterContext,
  intent: Extract<StoredIntent, { kind: "post" }>,
  threadTs: string | undefined,
  edited: MessageContent | undefined,
): Promise<string> {
  const text = edited?.text ?? intent.text;
  const blocks = edited !== undefined ? edited.blocks : intent.blocks;
  const answer = await ctx.client.chat.postMessage({
    channel: intent.channel,
    text,
    ...(blocks !== undefined ? { blocks } : {}),
    ...(threadTs !== undefined ? { thread_ts: threadTs } : {}),
    metadata: { event_type: INTENT_EVENT_TYPE, event_payload: { intent_id: intent.id } },
  });
  if (answer.ts === undefined) throw new Error("chat.postMessage answered ok without a ts");
  return answer.ts;
}

async function sendUpload(
  ctx: PosterContext,
  intent: Extract<StoredIntent, { kind: "upload" }>,
  threadTs: string | undefined,
): Promise<string> {
  const file = {
    filename: intent.filename,
    title: intent.title,
    content: intent.content,
    ...(intent.comment !== undefined ? { initial_comment: intent.comment } : {}),
  };
  await ctx.client.files.uploadV2(
    threadTs !== undefined
      ? { ...file, channel_id: intent.channel, thread_ts: threadTs }
      : { ...file, channel_id: intent.channel },
  );
  // The upload's message ts is not in the answer; uploads have no key to record it under.
  return "";
}

async function drop(ctx: PosterContext, intent: StoredIntent, reason: string): Promise<Delivery> {
  await ctx.store.finishIntent(intent, { dropped: reason });
  ctx.log({
    level: "error",
    event: "dropped",
    channel: intent.channel,
    intent: intent.id,
    ...(intent.kind === "post" && intent.key !== undefined ? { key: intent.key } : {}),
    reason: `${intent.kind} dropped: ${reason}`,
  });
  return { kind: "done" };
}
