import type { FakeMessage } from "./fake-slack-types.js";
import { FAKE_BOT } from "./fake-workspace.js";

/** A Web API answer body: `{ ok: true, ... }` or `{ ok: false, error }`. */
export type SlackAnswer = { ok: true; [field: string]: unknown } | { ok: false; error: string };

/** Arguments of one call, as parsed from the request. */
export type SlackArgs = Record<string, unknown>;

/** `{ ok: false, error }`. */
export function fail(error: string): SlackAnswer {
  return { ok: false, error };
}

/** A boolean argument as Slack reads one: `true`, `"true"` or `"1"`. */
export function flag(value: unknown): boolean {
  return value === true || value === "true" || value === "1" || value === 1;
}

/** A string argument, or undefined when absent or empty. */
export function text(value: unknown): string | undefined {
  if (typeof value === "number") return String(value);
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** Checks `blocks` the way Slack does at the surface: an array of ≤ 50 objects with a `type`. */
export function blocksProblem(blocks: unknown): string | undefined {
  if (blocks === undefined) return undefined;
  if (!Array.isArray(blocks) || blocks.length > 50) return "invalid_blocks";
  const bad = blocks.some(
    (b) =>
      b === null || typeof b !== "object" || typeof (b as { type?: unknown }).type !== "string",
  );
  return bad ? "invalid_blocks" : undefined;
}

/** The longest `text` Slack takes in chat.postMessage / chat.update. */
export const MAX_TEXT = 40_000;

/** A message as the Web API returns it (chat.*, conversations.history / replies). */
export function wireMessage(
  message: FakeMessage,
  options: { metadata: boolean; replies?: FakeMessage[] },
): Record<string, unknown> {
  const wire: Record<string, unknown> = {
    type: "message",
    user: message.user,
    bot_id: message.bot_id,
    app_id: FAKE_BOT.appId,
    team: FAKE_BOT.teamId,
    text: message.text,
    ts: message.ts,
  };
  if (message.blocks !== undefined) wire["blocks"] = message.blocks;
  if (message.thread_ts !== undefined) wire["thread_ts"] = message.thread_ts;
  if (message.edited !== undefined) wire["edited"] = message.edited;
  if (message.files !== undefined) {
    wire["files"] = message.files.map(({ content: _bytes, ...file }) => ({
      ...file,
      mimetype: "text/plain",
      filetype: "text",
    }));
    wire["upload"] = true;
  }
  if (options.metadata && message.metadata !== undefined) wire["metadata"] = message.metadata;
  const replies = options.replies ?? [];
  if (replies.length > 0) {
    wire["reply_count"] = replies.length;
    wire["latest_reply"] = replies[replies.length - 1]?.ts;
  }
  return wire;
}

/** Slack's cursor pagination over a list: a page, and the cursor of the next one. */
export function page<T>(
  items: T[],
  args: SlackArgs,
  defaultLimit: number,
): { items: T[]; nextCursor: string } {
  const limit = Math.max(1, Math.min(1000, Number(args["limit"] ?? defaultLimit) || defaultLimit));
  const cursor = text(args["cursor"]);
  const start = cursor === undefined ? 0 : Number(Buffer.from(cursor, "base64").toString("utf8"));
  const slice = items.slice(start, start + limit);
  const next =
    start + limit < items.length ? Buffer.from(String(start + limit)).toString("base64") : "";
  return { items: slice, nextCursor: next };
}

/** Keeps the messages inside `oldest`/`latest` (exclusive unless `inclusive`). */
export function inTimeRange(message: FakeMessage, args: SlackArgs): boolean {
  const ts = Number(message.ts);
  const inclusive = flag(args["inclusive"]);
  const oldest = text(args["oldest"]);
  const latest = text(args["latest"]);
  if (oldest !== undefined && (inclusive ? ts < Number(oldest) : ts <= Number(oldest)))
    return false;
  if (latest !== undefined && (inclusive ? ts > Number(latest) : ts >= Number(latest)))
    return false;
  return true;
}
