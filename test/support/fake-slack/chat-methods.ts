import type { FakeMessage } from "./fake-slack-types.js";
import { FAKE_BOT, type FakeWorkspace } from "./fake-workspace.js";
import {
  blocksProblem,
  fail,
  flag,
  inTimeRange,
  MAX_TEXT,
  page,
  type SlackAnswer,
  type SlackArgs,
  text,
  wireMessage,
} from "./slack-wire.js";

type Handler = (ws: FakeWorkspace, args: SlackArgs) => SlackAnswer;

/** chat.postMessage, chat.update, chat.postEphemeral, conversations.history and .replies. */
export const chatMethods: Record<string, Handler> = {
  "chat.postMessage": (ws, args) => {
    const channel = ws.channel(args["channel"]);
    if (channel === undefined) return fail("channel_not_found");
    if (channel.isMember === false) return fail("not_in_channel");
    const problem = contentProblem(args, true);
    if (problem !== undefined) return fail(problem);
    const threadTs = text(args["thread_ts"]);
    if (threadTs !== undefined) {
      const parent = ws.find(channel.id, threadTs);
      if (parent === undefined) return fail("thread_not_found");
      // A reply to a reply goes to the root's thread, as in Slack.
      if (parent.thread_ts === undefined) parent.thread_ts = parent.ts;
    }
    const message: FakeMessage = {
      channel: channel.id,
      ts: ws.nextTs(),
      text: text(args["text"]) ?? "",
      user: FAKE_BOT.userId,
      bot_id: FAKE_BOT.botId,
      editCount: 0,
    };
    if (threadTs !== undefined)
      message.thread_ts = ws.find(channel.id, threadTs)?.thread_ts ?? threadTs;
    takeBlocksAndMetadata(message, args);
    ws.add(message);
    return {
      ok: true,
      channel: channel.id,
      ts: message.ts,
      message: wireMessage(message, { metadata: true }),
    };
  },

  "chat.update": (ws, args) => {
    const channel = ws.channel(args["channel"]);
    if (channel === undefined) return fail("channel_not_found");
    const message = ws.find(channel.id, text(args["ts"]));
    if (message === undefined) return fail("message_not_found");
    if (message.user !== FAKE_BOT.userId) return fail("cant_update_message");
    const problem = contentProblem(args, false);
    if (problem !== undefined) return fail(problem);
    const newText = text(args["text"]);
    if (newText !== undefined) message.text = newText;
    takeBlocksAndMetadata(message, args);
    message.edited = { user: FAKE_BOT.userId, ts: ws.nextTs() };
    message.editCount += 1;
    return {
      ok: true,
      channel: channel.id,
      ts: message.ts,
      text: message.text,
      message: wireMessage(message, { metadata: true }),
    };
  },

  "chat.postEphemeral": (ws, args) => {
    const channel = ws.channel(args["channel"]);
    if (channel === undefined) return fail("channel_not_found");
    if (channel.isMember === false) return fail("not_in_channel");
    const user = text(args["user"]);
    if (user === undefined || !ws.users.has(user)) return fail("user_not_in_channel");
    const problem = contentProblem(args, true);
    if (problem !== undefined) return fail(problem);
    const messageTs = ws.nextTs();
    const ephemeral = {
      channel: channel.id,
      user,
      text: text(args["text"]) ?? "",
      message_ts: messageTs,
      ...(text(args["thread_ts"]) !== undefined ? { thread_ts: String(args["thread_ts"]) } : {}),
      ...(Array.isArray(args["blocks"]) ? { blocks: args["blocks"] } : {}),
    };
    ws.ephemerals.push(ephemeral);
    return { ok: true, message_ts: messageTs };
  },

  "conversations.history": (ws, args) => {
    const channel = ws.channel(args["channel"]);
    if (channel === undefined) return fail("channel_not_found");
    if (channel.isMember === false) return fail("not_in_channel");
    const all = ws.stored(channel.id);
    const newestFirst = all
      .filter((m) => m.thread_ts === undefined || m.thread_ts === m.ts)
      .filter((m) => inTimeRange(m, args))
      .reverse();
    const { items, nextCursor } = page(newestFirst, args, 100);
    const metadata = flag(args["include_all_metadata"]);
    return {
      ok: true,
      messages: items.map((m) =>
        wireMessage(m, { metadata, replies: all.filter((r) => r.thread_ts === m.ts && r !== m) }),
      ),
      has_more: nextCursor !== "",
      response_metadata: { next_cursor: nextCursor },
    };
  },

  "conversations.replies": (ws, args) => {
    const channel = ws.channel(args["channel"]);
    if (channel === undefined) return fail("channel_not_found");
    const root = ws.find(channel.id, text(args["ts"]));
    if (root === undefined) return fail("thread_not_found");
    const rootTs = root.thread_ts ?? root.ts;
    const thread = ws.stored(channel.id).filter((m) => m.ts === rootTs || m.thread_ts === rootTs);
    const [parent, ...replies] = thread;
    const listed = [...(parent ? [parent] : []), ...replies.filter((m) => inTimeRange(m, args))];
    const { items, nextCursor } = page(listed, args, 1000);
    const metadata = flag(args["include_all_metadata"]);
    return {
      ok: true,
      messages: items.map((m) =>
        wireMessage(m, m === parent ? { metadata, replies } : { metadata }),
      ),
      has_more: nextCursor !== "",
      response_metadata: { next_cursor: nextCursor },
    };
  },
};

function contentProblem(args: SlackArgs, isNew: boolean): string | undefined {
  const blocksError = blocksProblem(args["blocks"]);
  if (blocksError !== undefined) return blocksError;
  const body = text(args["text"]);
  if (body !== undefined && body.length > MAX_TEXT) return "msg_too_long";
  if (
    isNew &&
    body === undefined &&
    args["blocks"] === undefined &&
    args["attachments"] === undefined
  )
    return "no_text";
  return undefined;
}

/** Sets the message's blocks and metadata from the call's arguments, where they are given. */
function takeBlocksAndMetadata(message: FakeMessage, args: SlackArgs): void {
  if (Array.isArray(args["blocks"])) message.blocks = args["blocks"];
  const metadata = readMetadata(args["metadata"]);
  if (metadata !== undefined) message.metadata = metadata;
}

function readMetadata(value: unknown): FakeMessage["metadata"] | undefined {
  if (value === null || typeof value !== "object") return undefined;
  const { event_type: type, event_payload: payload } = value as Record<string, unknown>;
  if (typeof type !== "string") return undefined;
  const eventPayload =
    payload !== null && typeof payload === "object" ? (payload as Record<string, unknown>) : {};
  return { event_type: type, event_payload: eventPayload };
}
