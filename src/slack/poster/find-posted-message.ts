import type { webApi } from "@slack/bolt";
import type { PosterClient } from "./poster-client.js";

/** The `event_type` of the metadata every posted message carries (its intent id in the payload). */
export const INTENT_EVENT_TYPE = "kcm_chatops_intent";

type HistoryMessage = webApi.ConversationsHistoryResponse extends { messages?: (infer M)[] }
  ? M
  : never;

/** What a message posted by an earlier attempt looks like. */
export type PostedMatch = { intentId: string } | { filename: string; title: string };

// A thread of an upgrade has tens of messages; ten pages of 200 is far beyond it.
const PAGE_SIZE = 200;
const MAX_PAGES = 10;

/**
 * Looks in Slack for a message an earlier attempt may have posted without
 * our hearing of it (the answer was lost, or the process died): in the
 * thread, or among the channel's top-level messages, from `since` on. A
 * message is ours when its metadata carries the intent id (posts), or it
 * shares a file of this name and title (uploads). Returns its ts, if found.
 * Throws what the WebClient throws.
 */
export async function findPostedMessage(
  client: PosterClient,
  where: { channel: string; threadTs?: string; since: number },
  match: PostedMatch,
): Promise<string | undefined> {
  const oldest = (Math.max(0, where.since) / 1000).toFixed(6);
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const common = {
      channel: where.channel,
      oldest,
      inclusive: true,
      limit: PAGE_SIZE,
      include_all_metadata: true,
      ...(cursor !== undefined ? { cursor } : {}),
    };
    const answer =
      where.threadTs !== undefined
        ? await client.conversations.replies({ ...common, ts: where.threadTs })
        : await client.conversations.history(common);
    const found = (answer.messages ?? []).find((m) => isMatch(m, match));
    if (found?.ts !== undefined) return found.ts;
    cursor = answer.response_metadata?.next_cursor;
    if (!cursor) return undefined;
  }
  return undefined;
}

function isMatch(message: HistoryMessage, match: PostedMatch): boolean {
  if ("intentId" in match) {
    // The SDK types event_payload as `{}`; on the wire it is the object we posted.
    const payload = message.metadata?.event_payload as Record<string, unknown> | undefined;
    return (
      message.metadata?.event_type === INTENT_EVENT_TYPE &&
      payload?.["intent_id"] === match.intentId
    );
  }
  return (message.files ?? []).some((f) => f.name === match.filename && f.title === match.title);
}
