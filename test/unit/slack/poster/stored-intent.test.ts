import { describe, expect, it } from "vitest";
import { intentFields, storedIntentSchema } from "../../../../src/slack/poster/stored-intent.js";

/** Redis hands a hash back as an object of strings. */
function asHash(fields: string[]): Record<string, string> {
  const hash: Record<string, string> = {};
  for (let i = 0; i < fields.length; i += 2) hash[fields[i] ?? ""] = fields[i + 1] ?? "";
  return hash;
}

describe("stored intents", () => {
  it("round-trip a keyed post with blocks in a thread", () => {
    const blocks = [
      { type: "section" as const, text: { type: "mrkdwn" as const, text: "*kcm1*" } },
    ];
    const hash = asHash(
      intentFields("i-1", 1764180000000, {
        kind: "post",
        channel: "C1",
        key: "req-1",
        content: { text: "kcm1", blocks },
        thread: { threadKey: "root" },
      }),
    );
    expect(storedIntentSchema.parse({ ...hash, sentAt: "1764180000500" })).toEqual({
      id: "i-1",
      kind: "post",
      channel: "C1",
      key: "req-1",
      text: "kcm1",
      blocks,
      threadKey: "root",
      createdAt: 1764180000000,
      sentAt: 1764180000500,
    });
  });

  it("round-trip an upload", () => {
    const hash = asHash(
      intentFields("i-2", 1, {
        kind: "upload",
        channel: "C1",
        filename: "out.log",
        title: "out.log",
        content: "line\n",
        thread: { threadTs: "1764180000.000100" },
      }),
    );
    expect(storedIntentSchema.parse(hash)).toMatchObject({
      kind: "upload",
      filename: "out.log",
      content: "line\n",
      threadTs: "1764180000.000100",
    });
  });

  it("refuse a hash that is not an intent", () => {
    expect(storedIntentSchema.safeParse({ kind: "post", id: "x" }).success).toBe(false);
    const hash = asHash(
      intentFields("i-3", 1, { kind: "post", channel: "C1", content: { text: "t" } }),
    );
    expect(storedIntentSchema.safeParse({ ...hash, blocks: "{not json" }).success).toBe(false);
  });
});
