import type { SlackFailure } from "./classify-slack-failure.js";
import { deliverEdit } from "./deliver-edit.js";
import { deliverIntent } from "./deliver-intent.js";
import type { Delivery, PosterContext } from "./poster-context.js";

/** Retries of one thing (the queue's head, or the channel's edits). */
interface RetryState {
  id: string | undefined;
  attempts: number;
  notBefore: number;
}

/**
 * Delivers one channel until its queue and edits are empty (or the poster
 * stops): messages and uploads strictly in queue order, at most one per
 * `postIntervalMs`; edits of posted messages in between, paced across
 * channels. A failed head is retried (after Retry-After, or a growing
 * backoff) before anything queued after it, so a thread never arrives out
 * of order. Never rejects: Redis trouble is logged and retried.
 */
export async function drainChannel(ctx: PosterContext, channel: string): Promise<void> {
  const head: RetryState = { id: undefined, attempts: 0, notBefore: 0 };
  const edits: RetryState = { id: undefined, attempts: 0, notBefore: 0 };
  let redisFailures = 0;
  while (ctx.active()) {
    try {
      const next = await stepChannel(ctx, channel, head, edits);
      redisFailures = 0;
      if (next === "empty" || next === "halted") return;
      if (next !== "again") await ctx.waker.wait(channel, next - ctx.clock.now());
    } catch (error) {
      redisFailures += 1;
      ctx.log({
        level: "error",
        event: "redis-error",
        channel,
        reason: error instanceof Error ? error.message : String(error),
      });
      await ctx.waker.wait(channel, backoffMs(ctx, redisFailures));
    }
  }
}

/** One decision: deliver something now ("again"), or the time to look again, or stop. */
async function stepChannel(
  ctx: PosterContext,
  channel: string,
  head: RetryState,
  edits: RetryState,
): Promise<"again" | "empty" | "halted" | number> {
  const now = ctx.clock.now();
  const found = await ctx.store.head(channel);
  if (found !== undefined && "broken" in found) {
    ctx.log({
      level: "error",
      event: "dropped",
      channel,
      intent: found.broken,
      reason: found.reason,
    });
    return "again";
  }
  const intent = found?.intent;
  const pacer = ctx.postPacer(channel);
  if (intent !== undefined) {
    if (intent.id !== head.id) Object.assign(head, { id: intent.id, attempts: 0, notBefore: 0 });
    if (Math.max(pacer.readyAt(), head.notBefore) <= now) {
      return settle(ctx, channel, head, await deliverIntent(ctx, intent), "post");
    }
  }

  const edit = await nextEdit(ctx, channel);
  const editReadyAt =
    edit === undefined
      ? Number.POSITIVE_INFINITY
      : Math.max(ctx.updatePacer.readyAt(), edits.notBefore, edit.readyAt);
  if (edit !== undefined && editReadyAt <= now) {
    ctx.updatePacer.take(now);
    const delivery = await deliverEdit(ctx, { channel, key: edit.key, ts: edit.ts });
    if (delivery.kind === "done") rememberEdit(ctx, edit.key, now);
    return settle(ctx, channel, edits, delivery, "update");
  }

  if (intent === undefined && edit === undefined) {
    if (await ctx.store.releaseChannel(channel)) return "empty";
    // Edits wait for a post still in flight elsewhere: look again soon.
    return now + ctx.settings.pollMs;
  }
  return Math.min(
    intent !== undefined ? Math.max(pacer.readyAt(), head.notBefore) : Number.POSITIVE_INFINITY,
    editReadyAt,
  );
}

/** Notes when a message was edited; forgets messages not edited for a while. */
function rememberEdit(ctx: PosterContext, key: string, now: number): void {
  ctx.editedAt.set(key, now);
  if (ctx.editedAt.size > 1000) {
    for (const [k, at] of ctx.editedAt) {
      if (now - at > ctx.settings.messageEditIntervalMs) ctx.editedAt.delete(k);
    }
  }
}

/**
 * The waiting edit to send next: of the posted messages with one, the one
 * whose pace (`messageEditIntervalMs` since its last edit) allows it first,
 * longest waiting first among equals. Edits of dropped or forgotten messages
 * are dropped.
 */
async function nextEdit(
  ctx: PosterContext,
  channel: string,
): Promise<{ key: string; ts: string; readyAt: number } | undefined> {
  let next: { key: string; ts: string; readyAt: number } | undefined;
  for (const key of await ctx.store.editedKeys(channel)) {
    const message = await ctx.store.message(key);
    if (message?.ts !== undefined && message.state === "posted") {
      const readyAt =
        (ctx.editedAt.get(key) ?? Number.NEGATIVE_INFINITY) + ctx.settings.messageEditIntervalMs;
      if (next === undefined || readyAt < next.readyAt) next = { key, ts: message.ts, readyAt };
      continue;
    }
    if (message === undefined || message.state === "dropped") {
      await ctx.store.finishEdit(channel, key, "");
      ctx.log({
        level: "error",
        event: "dropped",
        channel,
        key,
        reason: `update dropped: the message was ${message === undefined ? "forgotten" : "dropped"}`,
      });
    }
  }
  return next;
}

function settle(
  ctx: PosterContext,
  channel: string,
  state: RetryState,
  delivery: Delivery,
  what: "post" | "update",
): "again" | "halted" {
  const now = ctx.clock.now();
  if (delivery.kind === "halted") return "halted";
  if (delivery.kind === "done") {
    Object.assign(state, { attempts: 0, notBefore: 0 });
  } else if (delivery.kind === "wait") {
    state.notBefore = now + delivery.ms;
  } else {
    state.attempts += 1;
    const delay = retryDelayMs(ctx, delivery.failure, state.attempts);
    state.notBefore = now + delay;
    if (delivery.failure.kind === "rate-limited") {
      (what === "post" ? ctx.postPacer(channel) : ctx.updatePacer).holdUntil(now + delay);
    }
    ctx.log({
      level: delivery.failure.kind === "refused" ? "error" : "warn",
      event: "retrying",
      channel,
      ...(what === "post" && state.id !== undefined ? { intent: state.id } : {}),
      failure: delivery.failure.kind,
      reason: `${what} failed (${delivery.failure.kind}: ${delivery.failure.reason}); attempt ${state.attempts}, next in ${delay} ms`,
    });
  }
  return "again";
}

function retryDelayMs(ctx: PosterContext, failure: SlackFailure, attempts: number): number {
  switch (failure.kind) {
    case "rate-limited":
      return failure.retryAfterMs;
    case "refused":
      return ctx.settings.authRetryMs;
    default:
      return backoffMs(ctx, attempts);
  }
}

/** Doubling from `initialMs` to `maxMs`, with ±20 % jitter so channels do not retry in step. */
function backoffMs(ctx: PosterContext, attempts: number): number {
  const { initialMs, maxMs } = ctx.settings.backoff;
  const base = Math.min(maxMs, initialMs * 2 ** Math.max(0, attempts - 1));
  return Math.round(base * (0.8 + Math.random() * 0.4));
}
