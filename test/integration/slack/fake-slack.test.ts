import { webApi } from "@slack/bolt";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type FakeSlack, startFakeSlack } from "../../support/fake-slack/start-fake-slack.js";

const CHANNEL = "C0KCMOPS01";

/** The real WebClient, quiet, pointed at the fake. */
function clientFor(fake: FakeSlack, options: webApi.WebClientOptions = {}): webApi.WebClient {
  return new webApi.WebClient(fake.token, {
    slackApiUrl: fake.apiUrl,
    logLevel: webApi.LogLevel.ERROR,
    ...options,
  });
}

describe("the fake Slack Web API, driven by the real WebClient", () => {
  let fake: FakeSlack;
  let client: webApi.WebClient;

  beforeEach(async () => {
    fake = await startFakeSlack({
      channels: [
        { id: CHANNEL, name: "kcm-ops" },
        { id: "C0OUTSIDE1", name: "elsewhere", isMember: false },
      ],
      usergroups: { S0APPROVERS: ["U0ALICE"] },
    });
    client = clientFor(fake);
  });
  afterEach(async () => {
    await fake.stop();
  });

  it("answers auth.test as the bot, and refuses a wrong token", async () => {
    const me = await client.auth.test();
    expect(me).toMatchObject({ ok: true, user_id: "U0KCMBOT", bot_id: "B0KCMBOT" });
    await expect(clientFor(fake).auth.test({ token: "xoxb-wrong" })).rejects.toMatchObject({
      code: webApi.ErrorCode.PlatformError,
      data: { error: "invalid_auth" },
    });
    expect(fake.callsTo("auth.test").map((c) => c.token)).toEqual([fake.token, "xoxb-wrong"]);
  });

  it("posts with increasing ts, keeps threads, and applies edits", async () => {
    const blocks = [{ type: "section", text: { type: "mrkdwn", text: "*kcm1*: waiting" } }];
    const root = await client.chat.postMessage({ channel: CHANNEL, text: "kcm1: waiting", blocks });
    expect(root).toMatchObject({ ok: true, channel: CHANNEL, message: { text: "kcm1: waiting" } });
    expect(root.ts).toMatch(/^\d{10}\.\d{6}$/);
    const rootTs = root.ts ?? "";

    const replies: string[] = [];
    for (const step of ["preflight", "stop", "upgrade"]) {
      const reply = await client.chat.postMessage({
        channel: CHANNEL,
        thread_ts: rootTs,
        text: step,
      });
      replies.push(reply.ts ?? "");
    }
    expect([...replies].sort()).toEqual(replies);
    expect(Number(replies[0])).toBeGreaterThan(Number(rootTs));

    await client.chat.update({ channel: CHANNEL, ts: rootTs, text: "kcm1: upgraded" });

    const thread = fake.thread(CHANNEL, rootTs);
    expect(thread.map((m) => m.text)).toEqual(["kcm1: upgraded", "preflight", "stop", "upgrade"]);
    expect(thread[0]).toMatchObject({ editCount: 1, blocks });
    expect(fake.messages(CHANNEL).map((m) => m.ts)).toEqual([rootTs]);
    const recorded = fake.callsTo("chat.postMessage")[0];
    expect(recorded?.args).toMatchObject({ channel: CHANNEL, blocks });
  });

  it("answers Slack's errors for unknown channels, missing membership, bad blocks, unknown ts", async () => {
    await expect(
      client.chat.postMessage({ channel: "C0NOWHERE1", text: "x" }),
    ).rejects.toMatchObject({
      data: { error: "channel_not_found" },
    });
    await expect(
      client.chat.postMessage({ channel: "C0OUTSIDE1", text: "x" }),
    ).rejects.toMatchObject({
      data: { error: "not_in_channel" },
    });
    await expect(
      client.chat.postMessage({
        channel: CHANNEL,
        text: "x",
        blocks: [{ text: "no type" }] as never,
      }),
    ).rejects.toMatchObject({ data: { error: "invalid_blocks" } });
    await expect(
      client.chat.update({ channel: CHANNEL, ts: "1.000001", text: "x" }),
    ).rejects.toMatchObject({ data: { error: "message_not_found" } });
    expect(fake.messages(CHANNEL)).toEqual([]);
  });

  it("uploads a file into a thread with files.uploadV2, end to end", async () => {
    const root = await client.chat.postMessage({ channel: CHANNEL, text: "kcm1: upgrading" });
    const output = "Resolving Dependencies\n".repeat(500);
    const result = await client.files.uploadV2({
      channel_id: CHANNEL,
      thread_ts: root.ts ?? "",
      filename: "kcm1-upgrade.log",
      title: "yum upgrade output",
      content: output,
      initial_comment: "full output",
    });
    expect(result.ok).toBe(true);

    expect(fake.calls.map((c) => c.method)).toEqual([
      "chat.postMessage",
      "files.getUploadURLExternal",
      "upload",
      "files.completeUploadExternal",
    ]);
    const [, reply] = fake.thread(CHANNEL, root.ts ?? "");
    expect(reply).toMatchObject({ text: "full output", thread_ts: root.ts });
    expect(reply?.files?.[0]).toMatchObject({
      name: "kcm1-upgrade.log",
      title: "yum upgrade output",
    });
    expect(fake.file(reply?.files?.[0]?.id ?? "")?.content).toBe(output);
  });

  it("reads users, user groups, channels, and history with metadata", async () => {
    expect((await client.users.info({ user: "U0ALICE" })).user).toMatchObject({ name: "alice" });
    expect((await client.usergroups.users.list({ usergroup: "S0APPROVERS" })).users).toEqual([
      "U0ALICE",
    ]);
    expect((await client.conversations.info({ channel: CHANNEL })).channel).toMatchObject({
      name: "kcm-ops",
      is_member: true,
    });
    const posted = await client.chat.postMessage({
      channel: CHANNEL,
      text: "root",
      metadata: { event_type: "kcm_intent", event_payload: { id: "i-1" } },
    });
    const plain = await client.conversations.history({ channel: CHANNEL });
    expect(plain.messages?.[0]?.metadata).toBeUndefined();
    const withMetadata = await client.conversations.history({
      channel: CHANNEL,
      include_all_metadata: true,
    });
    expect(withMetadata.messages?.[0]).toMatchObject({
      ts: posted.ts,
      metadata: { event_type: "kcm_intent", event_payload: { id: "i-1" } },
    });
  });

  it("records ephemeral messages and response_url posts", async () => {
    await client.chat.postEphemeral({ channel: CHANNEL, user: "U0BOB", text: "usage: /kcm help" });
    expect(fake.ephemerals(CHANNEL)).toMatchObject([{ user: "U0BOB", text: "usage: /kcm help" }]);

    const url = fake.responseUrl("cmd-1");
    const answer = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ response_type: "ephemeral", text: "on it" }),
    });
    expect(answer.status).toBe(200);
    expect(fake.responses("cmd-1").map((r) => r.body)).toEqual([
      { response_type: "ephemeral", text: "on it" },
    ]);
  });

  it("answers 429 with Retry-After, which the WebClient honours before retrying", async () => {
    fake.failNext("chat.postMessage", { status: 429, retryAfterSeconds: 1 });
    const started = Date.now();
    const posted = await client.chat.postMessage({ channel: CHANNEL, text: "after a wait" });
    expect(posted.ok).toBe(true);
    const [limited, retried] = fake.callsTo("chat.postMessage");
    expect(limited).toMatchObject({ status: 429, injected: true });
    expect(retried).toMatchObject({ status: 200 });
    expect((retried?.at ?? 0) - (limited?.at ?? 0)).toBeGreaterThanOrEqual(990);
    expect(Date.now() - started).toBeGreaterThanOrEqual(990);
    expect(fake.messages(CHANNEL)).toHaveLength(1);
  });

  it("hands a 429 to the caller when the WebClient is told to reject rate-limited calls", async () => {
    fake.failNext("*", { status: 429, retryAfterSeconds: 7 });
    const strict = clientFor(fake, { rejectRateLimitedCalls: true });
    await expect(strict.chat.postMessage({ channel: CHANNEL, text: "x" })).rejects.toMatchObject({
      code: webApi.ErrorCode.RateLimitedError,
      retryAfter: 7,
    });
  });

  it("fails with 5xx for a time span, and drops connections before or after the effect", async () => {
    const once = clientFor(fake, { retryConfig: { retries: 0 } });
    fake.failFor("chat.postMessage", { status: 503 }, 300);
    await expect(once.chat.postMessage({ channel: CHANNEL, text: "x" })).rejects.toMatchObject({
      code: webApi.ErrorCode.HTTPError,
      statusCode: 503,
    });
    await new Promise((resolve) => setTimeout(resolve, 350));
    await expect(once.chat.postMessage({ channel: CHANNEL, text: "back" })).resolves.toMatchObject({
      ok: true,
    });

    fake.failNext("chat.postMessage", { dropRequest: true });
    await expect(once.chat.postMessage({ channel: CHANNEL, text: "lost" })).rejects.toMatchObject({
      code: webApi.ErrorCode.RequestError,
    });
    fake.failNext("chat.postMessage", { dropResponse: true });
    await expect(once.chat.postMessage({ channel: CHANNEL, text: "posted" })).rejects.toMatchObject(
      {
        code: webApi.ErrorCode.RequestError,
      },
    );
    expect(fake.messages(CHANNEL).map((m) => m.text)).toEqual(["back", "posted"]);
  });
});
