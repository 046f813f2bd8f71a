import type { PosterClient } from "../slack/poster/index.js";
import { plainText, renderBlocks } from "./render-blocks.js";

/**
 * A PosterClient that "posts" to the terminal: the poster's queues, pacing
 * and ordering work as with Slack, and each message appears as lines of text
 * (replies indented under their request). Edits print only when the state or
 * progress line changes.
 */
export function consolePosterClient(
  write: (line: string) => void,
  users: ReadonlyMap<string, string>,
): PosterClient {
  let counter = 0;
  const roots = new Map<string, string>();
  const shownEdit = new Map<string, string>();
  const label = (ts: string | undefined) => (ts ? (roots.get(ts) ?? "") : "");
  const nextTs = () => `${Math.floor(Date.now() / 1000)}.${String(++counter).padStart(6, "0")}`;
  const postMessage = async (args: Record<string, unknown>) => {
    const ts = nextTs();
    const text = String(args["text"] ?? "");
    const thread = args["thread_ts"] as string | undefined;
    if (thread) {
      const lines = plainText(text, users)
        .split("\n")
        .filter((l) => l.trim() !== "");
      write(`  ↳ ${label(thread)}${lines[0] ?? ""}`);
      for (const line of lines.slice(1)) write(`      ${line}`);
    } else {
      const id = / \((r-[a-z0-9]+)\)/.exec(text)?.[1];
      if (id) roots.set(ts, `[${id}] `);
      write("");
      const blocks = args["blocks"] as unknown[] | undefined;
      for (const line of blocks ? renderBlocks(blocks, users) : plainText(text, users).split("\n"))
        write(line);
      if (id) write(`  (to decide: "as bob: approve ${id}", "reject ${id}" or "cancel ${id}")`);
    }
    return { ok: true, channel: args["channel"], ts, message: { ts, text } };
  };
  const update = async (args: Record<string, unknown>) => {
    const ts = String(args["ts"]);
    const blocks = (args["blocks"] as unknown[] | undefined) ?? [];
    const context = renderBlocks(
      blocks.filter((b) => (b as { type?: string }).type === "context"),
      users,
    ).at(-1);
    const summary = `${plainText(String(args["text"] ?? ""), users)}${context ? ` · ${context}` : ""}`;
    if (shownEdit.get(ts) !== summary) {
      shownEdit.set(ts, summary);
      write(`  ✎ ${summary}`);
    }
    return { ok: true, channel: args["channel"], ts, text: args["text"] };
  };
  const nothing = async () => ({ ok: true, messages: [], has_more: false });
  const uploadV2 = async (args: Record<string, unknown>) => {
    const content = String(args["content"] ?? "");
    write(
      `  ↳ ${label(args["thread_ts"] as string | undefined)}📎 ${String(args["title"] ?? args["filename"])} (${content.split("\n").length} lines; not shown)`,
    );
    return { ok: true, files: [{ ok: true, files: [{ id: `F${++counter}` }] }] };
  };
  // The WebClient's argument and answer types are wide unions; these shapes are what the poster sends and reads.
  return {
    chat: { postMessage, update } as unknown as PosterClient["chat"],
    conversations: {
      history: nothing,
      replies: nothing,
    } as unknown as PosterClient["conversations"],
    files: { uploadV2 } as unknown as PosterClient["files"],
  };
}
