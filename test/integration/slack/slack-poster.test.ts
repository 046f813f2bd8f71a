import { afterEach, beforeEach, expect, it } from "vitest";
import type { SlackPoster } from "../../../src/slack/poster/slack-poster.js";
import {
  describeWithRedis,
  gaps,
  OPS,
  OPS2,
  type PosterHarness,
  startPosterHarness,
} from "./poster-harness.js";

describeWithRedis("the Slack poster: order, pace, coalescing, failures", (redisUrl) => {
  let h: PosterHarness;
  let poster: SlackPoster;

  beforeEach(async () => {
    h = await startPosterHarness(redisUrl);
    poster = h.poster();
  });
  afterEach(async () => {
    await h.close();
  });

  const texts = (channel: string, rootTs: string) =>
    h.fake.thread(channel, rootTs).map((m) => m.text);
  const postTimes = (channel: string) =>
    h.fake
      .callsTo("chat.postMessage")
      .filter((c) => c.args["channel"] === channel && c.status === 200)
      .map((c) => c.at);

  it("delivers a thread in order, replies found by their root's key", async () => {
    await poster.post({ channel: OPS, key: "req-1", content: { text: "kcm1: approved" } });
    for (const step of ["preflight", "prefetch", "stop", "upgrade", "start"]) {
      await poster.post({ channel: OPS, thread: { key: "req-1" }, content: { text: step } });
    }
    poster.start();
    await poster.idle();

    const rootTs = (await poster.tsOf("req-1")) ?? "";
    expect(h.fake.messages(OPS).map((m) => m.ts)).toEqual([rootTs]);
    expect(texts(OPS, rootTs)).toEqual([
      "kcm1: approved",
      "preflight",
      "prefetch",
      "stop",
      "upgrade",
      "start",
    ]);
    expect(h.fake.callsTo("chat.postMessage")).toHaveLength(6);
    // Each message carries its intent id, which is how a lost answer is recognised later.
    expect(h.fake.callsTo("chat.postMessage")[0]?.args["metadata"]).toMatchObject({
      event_type: "kcm_chatops_intent",
      event_payload: { intent_id: expect.any(String) },
    });
  });

  it("posts at most one message a second per channel, two channels independently", async () => {
    for (let i = 1; i <= 4; i += 1) {
      await poster.post({ channel: OPS, content: { text: `ops ${i}` } });
      await poster.post({ channel: OPS2, content: { text: `ops2 ${i}` } });
    }
    const started = Date.now();
    poster.start();
    await poster.idle();
    const took = Date.now() - started;

    const [ops, ops2] = [postTimes(OPS), postTimes(OPS2)];
    expect(ops).toHaveLength(4);
    expect(ops2).toHaveLength(4);
    // Slack's guidance is 1/s per channel; 50 ms of tolerance for timers.
    for (const gap of [...gaps(ops), ...gaps(ops2)]) expect(gap).toBeGreaterThanOrEqual(950);
    // The channels do not wait for each other: both start at once, and 8 messages take ~3 s, not ~7.
    expect(Math.abs((ops[0] ?? 0) - (ops2[0] ?? 0))).toBeLessThan(300);
    expect(took).toBeLessThan(5000);
    expect(h.fake.messages(OPS).map((m) => m.text)).toEqual(["ops 1", "ops 2", "ops 3", "ops 4"]);
  });

  it("coalesces quick updates of one message: the last content wins", async () => {
    await poster.post({ channel: OPS, key: "req-2", content: { text: "kcm2: waiting" } });
    poster.start();
    await poster.idle();
    for (let i = 1; i <= 10; i += 1) {
      await poster.update("req-2", { text: `kcm2: step ${i}/10` });
    }
    await poster.idle();

    const updates = h.fake.callsTo("chat.update");
    expect(updates.length).toBeGreaterThanOrEqual(1);
    expect(updates.length).toBeLessThanOrEqual(2);
    expect(updates.at(-1)?.args["text"]).toBe("kcm2: step 10/10");
    expect(h.fake.messages(OPS)).toMatchObject([
      { text: "kcm2: step 10/10", editCount: updates.length },
    ]);
  });

  it("folds updates made before the post went out into the post itself", async () => {
    await poster.post({ channel: OPS, key: "req-3", content: { text: "v1" } });
    await poster.update("req-3", { text: "v2" });
    await poster.update("req-3", { text: "v3" });
    poster.start();
    await poster.idle();
    expect(h.fake.callsTo("chat.update")).toHaveLength(0);
    expect(h.fake.messages(OPS).map((m) => m.text)).toEqual(["v3"]);
  });

  it("waits out a 429's Retry-After, then sends the same message again; nothing is lost", async () => {
    h.fake.failNext("chat.postMessage", { status: 429, retryAfterSeconds: 2 });
    for (const text of ["one", "two", "three"])
      await poster.post({ channel: OPS, content: { text } });
    poster.start();
    await poster.idle();

    const [limited, retried] = h.fake.callsTo("chat.postMessage");
    expect(limited).toMatchObject({ status: 429, args: { text: "one" } });
    expect(retried).toMatchObject({ status: 200, args: { text: "one" } });
    expect((retried?.at ?? 0) - (limited?.at ?? 0)).toBeGreaterThanOrEqual(2000);
    expect(h.fake.messages(OPS).map((m) => m.text)).toEqual(["one", "two", "three"]);
    expect(h.fake.callsTo("conversations.history")).toHaveLength(0); // a 429 is "not taken"
    // The log entry says what kind of failure is retried (what the metrics count).
    expect(h.logs.filter((l) => l.event === "retrying")).toMatchObject([
      { failure: "rate-limited", channel: OPS },
    ]);
  });

  it("rides out 3 s of HTTP 500s: every message arrives afterwards, in order, once", async () => {
    h.fake.failFor("*", { status: 500 }, 3000);
    const outageEnds = Date.now() + 3000;
    await poster.post({ channel: OPS, key: "req-4", content: { text: "root" } });
    for (let i = 1; i <= 4; i += 1) {
      await poster.post({
        channel: OPS,
        thread: { key: "req-4" },
        content: { text: `reply ${i}` },
      });
    }
    await poster.update("req-4", { text: "root, edited" });
    poster.start();
    await poster.idle();

    const rootTs = (await poster.tsOf("req-4")) ?? "";
    expect(texts(OPS, rootTs)).toEqual([
      "root, edited",
      "reply 1",
      "reply 2",
      "reply 3",
      "reply 4",
    ]);
    const delivered = postTimes(OPS);
    expect(delivered[0]).toBeGreaterThanOrEqual(outageEnds);
    expect(h.logs.some((l) => l.event === "retrying" && l.reason.includes("HTTP 500"))).toBe(true);
  });

  it("holds messages while the token is refused, and retries dropped connections", async () => {
    poster = h.poster({ authRetryMs: 500 });
    h.fake.failFor("chat.postMessage", { error: "token_revoked" }, 1200);
    await poster.post({ channel: OPS, content: { text: "held" } });
    poster.start();
    await poster.idle();
    h.fake.failNext("chat.postMessage", { dropRequest: true }, 2);
    await poster.post({ channel: OPS, content: { text: "after a network error" } });
    await poster.idle();

    expect(h.fake.messages(OPS).map((m) => m.text)).toEqual(["held", "after a network error"]);
    const refused = h.logs.filter(
      (l) => l.event === "retrying" && l.reason.includes("token_revoked"),
    );
    expect(refused.length).toBeGreaterThanOrEqual(2);
    expect(refused.every((l) => l.level === "error")).toBe(true);
    expect(h.logs.some((l) => l.event === "dropped")).toBe(false);
  });

  it("drops a message Slack refuses for good, logs why, and goes on with the rest", async () => {
    const badBlocks = [{ text: "a block without a type" }] as never;
    await poster.post({ channel: OPS, content: { text: "first" } });
    await poster.post({ channel: OPS, key: "bad", content: { text: "bad", blocks: badBlocks } });
    await poster.post({ channel: OPS, thread: { key: "bad" }, content: { text: "reply to bad" } });
    await poster.post({ channel: "C0NOWHERE1", content: { text: "lost channel" } });
    await poster.post({ channel: OPS, content: { text: "last" } });
    poster.start();
    await poster.idle();

    expect(h.fake.messages(OPS).map((m) => m.text)).toEqual(["first", "last"]);
    const dropped = h.logs.filter((l) => l.event === "dropped").map((l) => l.reason);
    expect(dropped).toEqual(
      expect.arrayContaining([
        "post dropped: invalid_blocks",
        `post dropped: its thread's root "bad" was dropped`,
        "post dropped: channel_not_found",
      ]),
    );
    expect(await poster.tsOf("bad")).toBeUndefined();
    await poster.update("bad", { text: "too late" }); // an update of a dropped message is dropped too
    await poster.idle();
    expect(h.fake.callsTo("chat.update")).toHaveLength(0);
  });

  it("refuses what can never be posted, at once", async () => {
    await expect(poster.update("never-posted", { text: "x" })).rejects.toMatchObject({
      code: "unknown-key",
    });
    await expect(
      poster.post({ channel: OPS, thread: { key: "no-root" }, content: { text: "x" } }),
    ).rejects.toMatchObject({ code: "unknown-thread" });
    await poster.post({ channel: OPS, key: "root-in-ops", content: { text: "root" } });
    await expect(
      poster.post({ channel: OPS2, thread: { key: "root-in-ops" }, content: { text: "x" } }),
    ).rejects.toMatchObject({ code: "thread-in-other-channel" });
    await expect(poster.post({ channel: OPS, content: { text: " " } })).rejects.toMatchObject({
      code: "invalid-request",
    });
  });
});
