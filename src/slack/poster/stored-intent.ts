import { z } from "zod";
import type { MessageContent } from "./slack-poster.js";

// Redis hash fields are strings; numbers and JSON are parsed here, once.
const millis = z.string().regex(/^\d+$/).transform(Number);
const blocksJson = z.string().transform((text, ctx) => {
  try {
    const parsed: unknown = JSON.parse(text);
    if (Array.isArray(parsed)) return parsed as NonNullable<MessageContent["blocks"]>;
  } catch {
    // reported below
  }
  ctx.addIssue({ code: "custom", message: "blocks is not a JSON array" });
  return z.NEVER;
});

const common = {
  id: z.string().min(1),
  channel: z.string().min(1),
  threadTs: z.string().optional(),
  threadKey: z.string().optional(),
  createdAt: millis,
  /** Set before each call to Slack, cleared once Slack answered "not taken": while set, an earlier attempt may have arrived. */
  sentAt: millis.optional(),
};

/**
 * One queued message or upload, as stored in its Redis hash
 * (`<prefix>:intent:<id>`). `text`/`blocks` are what the message says
 * when it is posted, unless a later edit of its key replaced them.
 */
export const storedIntentSchema = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("post"),
    ...common,
    key: z.string().optional(),
    text: z.string(),
    blocks: blocksJson.optional(),
  }),
  z.object({
    kind: z.literal("upload"),
    ...common,
    filename: z.string().min(1),
    title: z.string().min(1),
    content: z.string(),
    comment: z.string().optional(),
  }),
]);

export type StoredIntent = z.infer<typeof storedIntentSchema>;

/** What a caller hands in, before it has an id and a creation time. */
export type NewIntent =
  | { kind: "post"; channel: string; key?: string; content: MessageContent; thread?: ThreadFields }
  | {
      kind: "upload";
      channel: string;
      filename: string;
      title: string;
      content: string;
      comment?: string;
      thread?: ThreadFields;
    };

type ThreadFields = { threadTs: string } | { threadKey: string };

/** The hash fields of a new intent, as `[field, value, field, value...]`. */
export function intentFields(id: string, createdAt: number, intent: NewIntent): string[] {
  const fields: Record<string, string> = {
    id,
    kind: intent.kind,
    channel: intent.channel,
    createdAt: String(createdAt),
  };
  if (intent.thread !== undefined) Object.assign(fields, intent.thread);
  if (intent.kind === "post") {
    fields["text"] = intent.content.text;
    if (intent.content.blocks !== undefined)
      fields["blocks"] = JSON.stringify(intent.content.blocks);
    if (intent.key !== undefined) fields["key"] = intent.key;
  } else {
    fields["filename"] = intent.filename;
    fields["title"] = intent.title;
    fields["content"] = intent.content;
    if (intent.comment !== undefined) fields["comment"] = intent.comment;
  }
  return Object.entries(fields).flat();
}
