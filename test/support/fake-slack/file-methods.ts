import type { FakeFile, FakeMessage } from "./fake-slack-types.js";
import { FAKE_BOT, type FakeWorkspace } from "./fake-workspace.js";
import { fail, type SlackAnswer, type SlackArgs, text } from "./slack-wire.js";

type Handler = (ws: FakeWorkspace, args: SlackArgs, baseUrl: string) => SlackAnswer;

/**
 * The two Web API methods of Slack's external upload (what `files.uploadV2`
 * uses): getUploadURLExternal hands out an upload URL served by the fake,
 * the bytes are posted there ({@link receiveUpload}), and
 * completeUploadExternal shares the files, in a thread when asked.
 */
export const fileMethods: Record<string, Handler> = {
  "files.getUploadURLExternal": (ws, args, baseUrl) => {
    const filename = text(args["filename"]);
    const length = Number(args["length"]);
    if (filename === undefined) return fail("invalid_arguments");
    if (!Number.isInteger(length) || length < 1) return fail("invalid_arguments");
    const id = ws.nextId("F");
    ws.pendingFiles.set(id, { id, filename, length });
    return { ok: true, upload_url: `${baseUrl}/upload/v1/${id}`, file_id: id };
  },

  "files.completeUploadExternal": (ws, args) => {
    const listed = args["files"];
    if (!Array.isArray(listed) || listed.length === 0) return fail("invalid_arguments");
    const channelId = text(args["channel_id"]) ?? text(args["channels"]);
    const channel = channelId === undefined ? undefined : ws.channel(channelId);
    if (channelId !== undefined && channel === undefined) return fail("channel_not_found");
    if (channel?.isMember === false) return fail("not_in_channel");
    const threadTs = text(args["thread_ts"]);
    if (channel !== undefined && threadTs !== undefined && !ws.find(channel.id, threadTs))
      return fail("thread_not_found");

    const shared: FakeFile[] = [];
    for (const entry of listed as Array<{ id?: unknown; title?: unknown }>) {
      const pending = typeof entry.id === "string" ? ws.pendingFiles.get(entry.id) : undefined;
      if (pending?.bytes === undefined) return fail("file_not_found");
      if (pending.bytes.length !== pending.length) return fail("file_upload_size_mismatch");
      shared.push({
        id: pending.id,
        name: pending.filename,
        title: text(entry.title) ?? pending.filename,
        size: pending.bytes.length,
        content: pending.bytes.toString("utf8"),
      });
    }
    for (const file of shared) {
      ws.pendingFiles.delete(file.id);
      ws.files.set(file.id, file);
    }
    if (channel !== undefined) {
      const message: FakeMessage = {
        channel: channel.id,
        ts: ws.nextTs(),
        text: text(args["initial_comment"]) ?? "",
        files: shared,
        user: FAKE_BOT.userId,
        bot_id: FAKE_BOT.botId,
        editCount: 0,
      };
      if (threadTs !== undefined) {
        const parent = ws.find(channel.id, threadTs);
        if (parent !== undefined && parent.thread_ts === undefined) parent.thread_ts = parent.ts;
        message.thread_ts = parent?.thread_ts ?? threadTs;
      }
      ws.add(message);
    }
    return {
      ok: true,
      files: shared.map(({ id, title }) => ({ id, title })),
    };
  },
};

/**
 * The upload URL itself: Slack answers a plain-text 200 once the bytes are
 * in. The file is not shared until files.completeUploadExternal.
 */
export function receiveUpload(
  ws: FakeWorkspace,
  fileId: string,
  parts: Buffer[],
): { status: number; body: string } {
  const pending = ws.pendingFiles.get(fileId);
  if (pending === undefined) return { status: 404, body: "file not found" };
  const bytes = parts[0];
  if (bytes === undefined) return { status: 400, body: "no file in the request" };
  pending.bytes = bytes;
  return { status: 200, body: `OK - ${bytes.length}` };
}
