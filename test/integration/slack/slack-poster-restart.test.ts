import { afterEach, beforeEach, expect, it } from "vitest";
import type { PosterClient } from "../../../src/slack/poster/poster-client.js";
import {
  describeWithRedis,
  OPS,
  type PosterHarness,
  startPosterHarness,
  waitUntil,
} from "./poster-harness.js";

describeWithRedis("the Slack poster: restarts, lost answers, uploads", (redisUrl) => {
  let h: PosterHarness;

  beforeEach(async () => {
    h = await startPosterHarness(redisUrl);
  });
  afterEach(async () => {
    await h.close();
  });

  const texts = () => h.fake.messages(OPS).map((m) => m.text);

  it("resumes the queue after a restart, without sending anything twice", async () => {
    const first = h.poster();
    for (let i = 1; i <= 6; i += 1) await first.post({ channel: OPS, content: { text: `m${i}` } });
    first.start();
    await waitUntil(() => h.fake.messages(OPS).length >= 2);
    await first.stop();
    const sentBeforeStop = h.fake.messages(OPS).length;
    expect(sentBeforeStop).toBeLessThan(6);

    const second = h.poster();
    second.start();
    await second.idle();
    expect(texts()).toEqual(["m1", "m2", "m3", "m4", "m5", "m6"]);
    expect(h.fake.callsTo("chat.postMessage")).toHaveLength(6);
  });

  it("recognises a message Slack took while the process died waiting for the answer", async () => {
    // The first poster's process "dies" right after Slack took m2: the answer never comes back.
    let dieAfter = "m2";
    const dying: PosterClient = {
      ...h.client,
      chat: {
        update: (args) => h.client.chat.update(args),
        postMessage: async (args) => {
          const answer = await h.client.chat.postMessage(args);
          if ("text" in args && args.text === dieAfter) return new Promise<never>(() => {});
          return answer;
        },
      },
      conversations: h.client.conversations,
      files: h.client.files,
    };
    const first = h.poster({ stopGraceMs: 300 }, dying);
    for (const text of ["m1", "m2", "m3"]) await first.post({ channel: OPS, content: { text } });
    first.start();
    await waitUntil(() => h.fake.messages(OPS).length === 2);
    await first.stop(); // gives up on the call in flight: nothing more is written, as in a crash
    dieAfter = "";

    const second = h.poster();
    second.start();
    await second.idle();
    expect(texts()).toEqual(["m1", "m2", "m3"]);
    expect(h.fake.callsTo("chat.postMessage")).toHaveLength(3);
    expect(h.fake.callsTo("conversations.history")).toHaveLength(1);
    expect(h.logs.filter((l) => l.event === "found-earlier-attempt")).toHaveLength(1);
  });

  it("recognises a reply whose answer was lost on the way back, and records its root's ts", async () => {
    const poster = h.poster();
    await poster.post({ channel: OPS, key: "req-9", content: { text: "root" } });
    await poster.post({ channel: OPS, thread: { key: "req-9" }, content: { text: "reply" } });
    await poster.update("req-9", { text: "root, done" });
    h.fake.failNext("chat.postMessage", { dropResponse: true }, 2);
    poster.start();
    await poster.idle();

    const rootTs = (await poster.tsOf("req-9")) ?? "";
    expect(h.fake.thread(OPS, rootTs).map((m) => m.text)).toEqual(["root, done", "reply"]);
    expect(h.fake.callsTo("chat.postMessage")).toHaveLength(2);
    expect(h.fake.callsTo("conversations.replies")).toHaveLength(1);
    // The root was found, not re-posted; the edit it carried the first time is sent as an update.
    expect(h.fake.callsTo("chat.update")).toHaveLength(1);
  });

  it("uploads long output into the thread, in order with the replies", async () => {
    const output = Array.from({ length: 2000 }, (_, i) => `line ${i}: Installing kcm-guacd`).join(
      "\n",
    );
    const poster = h.poster();
    await poster.post({ channel: OPS, key: "req-5", content: { text: "kcm5: upgrading" } });
    await poster.post({
      channel: OPS,
      thread: { key: "req-5" },
      content: { text: "upgrade: exit 0" },
    });
    await poster.upload({
      channel: OPS,
      thread: { key: "req-5" },
      filename: "kcm5-upgrade.log",
      title: "yum upgrade output",
      content: output,
      comment: "full output",
    });
    await poster.post({
      channel: OPS,
      thread: { key: "req-5" },
      content: { text: "start: exit 0" },
    });
    poster.start();
    await poster.idle();

    const thread = h.fake.thread(OPS, (await poster.tsOf("req-5")) ?? "");
    expect(thread.map((m) => m.text)).toEqual([
      "kcm5: upgrading",
      "upgrade: exit 0",
      "full output",
      "start: exit 0",
    ]);
    const file = thread[2]?.files?.[0];
    expect(file).toMatchObject({ name: "kcm5-upgrade.log", title: "yum upgrade output" });
    expect(h.fake.file(file?.id ?? "")?.content).toBe(output);
  });

  it("does not share an upload twice when the answer to its completion was lost", async () => {
    const poster = h.poster();
    await poster.post({ channel: OPS, key: "req-6", content: { text: "root" } });
    await poster.upload({
      channel: OPS,
      thread: { key: "req-6" },
      filename: "a.log",
      content: "ok",
    });
    h.fake.failNext("files.completeUploadExternal", { dropResponse: true });
    poster.start();
    await poster.idle();

    const thread = h.fake.thread(OPS, (await poster.tsOf("req-6")) ?? "");
    expect(thread.map((m) => m.files?.map((f) => f.name))).toEqual([undefined, ["a.log"]]);
    expect(h.fake.callsTo("files.completeUploadExternal")).toHaveLength(1);
  });

  it("lets one process deliver a prefix at a time; a second one waits its turn", async () => {
    const one = h.poster();
    const two = h.poster();
    one.start();
    two.start();
    for (let i = 1; i <= 3; i += 1) await two.post({ channel: OPS, content: { text: `m${i}` } });
    await one.idle();
    expect(texts()).toEqual(["m1", "m2", "m3"]);
    expect(h.logs.filter((l) => l.event === "lease" && l.level === "info")).toHaveLength(1);

    await one.stop(); // the lease is free: the other process takes over
    await two.post({ channel: OPS, key: "later", content: { text: "m4" } });
    await two.idle();
    expect(texts()).toEqual(["m1", "m2", "m3", "m4"]);
  });

  it("ignores a second post with the same key (a redelivered job)", async () => {
    const poster = h.poster();
    const first = await poster.post({ channel: OPS, key: "req-7", content: { text: "once" } });
    const again = await poster.post({ channel: OPS, key: "req-7", content: { text: "once" } });
    expect(again).toEqual({ id: first.id, duplicate: true });
    poster.start();
    await poster.idle();
    const repeat = await poster.post({ channel: OPS, key: "req-7", content: { text: "once" } });
    expect(repeat.duplicate).toBe(true);
    await poster.idle();
    expect(texts()).toEqual(["once"]);
  });
});
