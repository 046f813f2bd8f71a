import { expect, it } from "vitest";
import { REQUEST_ACTIONS } from "../../src/slack/blocks/request-blocks.js";
import type { LabHost } from "../lab/lab.js";
import { ALWAYS_OPEN_WINDOW } from "../lab/lab-inventory.js";
import {
  ALICE,
  BOB,
  type BotHarness,
  botOverLabHost,
  botOverLabHosts,
  CAROL,
  CHANNEL,
  DAVE,
  OTHER_CHANNEL,
  requestIdOf,
} from "../support/bot-harness.js";
import { describeLabWithRedis } from "../support/describe-lab-with-redis.js";
import { postSigned, slashCommand } from "../support/slack-signer.js";
import { UPGRADE_STEPS } from "../support/worker-harness.js";

describeLabWithRedis(
  "the Slack app, end to end: /kcm upgrade → approval → worker → thread",
  (redisUrl) => {
    let host: LabHost;
    let h: BotHarness;

    botOverLabHost(redisUrl, { name: "web-1", release: "2.23.1", publish: ["2.24.1"] }, (made) => {
      ({ h, host } = made);
    });

    it("upgrades a lab host: request, approval by another person, every step in the thread, success on the root", async () => {
      await upgradesEndToEnd(h, host);
    });

    it("refuses, privately and changing nothing: self-approval, a non-approver, a cancelled or expired request", async () => {
      await host.publish("2.25.0");
      await h.command(BOB, "upgrade web-1");
      const root = await h.requestRoot("web-1", 1);
      const id = requestIdOf(root);
      await h.click(BOB, REQUEST_ACTIONS.approve, root, "self");
      await h.click(CAROL, REQUEST_ACTIONS.approve, root, "carol");
      await h.workers.until(
        () => h.fake.responses("self").length > 0 && h.fake.responses("carol").length > 0,
        10_000,
        "the refusals",
      );
      expect(JSON.stringify(h.fake.responses("self")[0]?.body)).toMatch(
        /nobody approves their own request/,
      );
      expect(JSON.stringify(h.fake.responses("carol")[0]?.body)).toMatch(/approver/i);

      await h.click(BOB, REQUEST_ACTIONS.cancel, root, "cancel");
      await h.workers.until(() => /Cancelled/.test(h.current(root).text), 10_000, "the cancel");
      await h.click(DAVE, REQUEST_ACTIONS.approve, root, "late");
      await h.workers.until(() => h.fake.responses("late").length > 0, 10_000, "the refusal");
      expect(JSON.stringify(h.fake.responses("late")[0]?.body)).toMatch(/cancel/i);
      expect(await h.workers.queue.getJob(id)).toBeUndefined();

      // An expired request (its expiry moved into the past, as time would).
      await h.command(ALICE, "upgrade web-1");
      const second = await h.requestRoot("web-1", 2);
      const key = `${h.workers.keys.requestPrefix}${requestIdOf(second)}`;
      const stored = JSON.parse((await h.workers.redis.get(key)) ?? "{}");
      await h.workers.redis.set(
        key,
        JSON.stringify({ ...stored, expiresAt: new Date(Date.now() - 1000).toISOString() }),
        "KEEPTTL",
      );
      await h.click(BOB, REQUEST_ACTIONS.approve, second, "expired");
      await h.workers.until(() => h.fake.responses("expired").length > 0, 10_000, "the refusal");
      expect(JSON.stringify(h.fake.responses("expired")[0]?.body)).toMatch(/expired/i);
      expect(await h.workers.queue.getJob(requestIdOf(second))).toBeUndefined();
    });

    it("takes commands only in its channels, refuses bad input with the usage, and one request per command despite retries", async () => {
      const elsewhere = await h.command(ALICE, "check", { channel: OTHER_CHANNEL });
      expect(JSON.parse(elsewhere.body).text).toContain(`<#${CHANNEL}>`);
      const bad = await h.command(ALICE, "upgrade web-1; rm -rf /");
      expect(JSON.parse(bad.body).text).toMatch(
        /^";" is not allowed[\s\S]*\/kcm upgrade ‹host\|group\|all\|host,host›/,
      );
      const unknown = await h.command(ALICE, "upgrade web-9");
      expect(JSON.parse(unknown.body).text).toContain("No host or group `web-9`");

      const help = JSON.parse((await h.command(ALICE, "help")).body).text;
      expect(help).toContain("/kcm upgrade ‹host|group|all|host,host›");
      const hosts = JSON.parse((await h.command(ALICE, "hosts")).body).text;
      expect(hosts).toContain("`web-1` 127.0.1.");
      expect(hosts).toContain("`maintenance`");
      const cancel = JSON.parse((await h.command(ALICE, "cancel r-00000000")).body).text;
      expect(cancel).toContain("there is no request r-00000000");
      await h.command(ALICE, "check web-1");
      await h.workers.until(
        () =>
          h.fake
            .messages(CHANNEL)
            .some((m) => m.text.startsWith("Check of `web-1` for <@U0ALICE>: 1 host")),
        30_000,
        "the check summary",
      );

      const before = h.fake.messages(CHANNEL).filter((m) => m.text.includes(" on web-1 (")).length;
      const triggerId = "1234.5678.retriedtrigger";
      await h.command(ALICE, "upgrade web-1", { triggerId });
      await h.command(ALICE, "upgrade web-1", { triggerId, retryNum: 1 });
      await h.requestRoot("web-1", before);
      await new Promise((r) => setTimeout(r, 3000));
      expect(h.fake.messages(CHANNEL).filter((m) => m.text.includes(" on web-1 (")).length).toBe(
        before + 1,
      );
      const status = JSON.parse((await h.command(ALICE, "status web-1")).body).text;
      expect(status).toMatch(
        /\*Open\*\n• `r-[a-z0-9]+` upgrade of `web-1` by <@U0ALICE>: \*pending\*/,
      );
    });

    it("two Approve clicks at once make one decision and one job", async () => {
      const before = h.fake.messages(CHANNEL).filter((m) => m.text.includes(" on web-1 (")).length;
      await h.command(ALICE, "upgrade web-1");
      const root = await h.requestRoot("web-1", before);
      await Promise.all([
        h.click(BOB, REQUEST_ACTIONS.approve, root, "race-bob"),
        h.click(DAVE, REQUEST_ACTIONS.approve, root, "race-dave"),
      ]);
      await h.workers.until(
        () => h.fake.responses("race-bob").length + h.fake.responses("race-dave").length > 0,
        10_000,
        "one refusal",
      );
      expect(h.fake.responses("race-bob").length + h.fake.responses("race-dave").length).toBe(1);
      await h.workers.until(
        () => /Done|Failed/.test(h.current(root).text),
        60_000,
        "the job to end",
      );
      const approvals = h.thread(root).filter((m) => m.text.startsWith("Approved by"));
      expect(approvals).toHaveLength(1);
      expect((await host.installed()).get("kcm-guacd")).toBe("2.25.0-1.el8");
    });
  },
);

describeLabWithRedis("the Slack app: signatures, Slack outages, emergencies", (redisUrl) => {
  let host: LabHost;
  let h: BotHarness;
  // A window three days from now: `now` is outside it, an emergency.
  const day = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"][(new Date().getUTCDay() + 3) % 7];

  botOverLabHost(
    redisUrl,
    { name: "web-2", release: "2.23.1", publish: ["2.24.1"] },
    (made) => {
      ({ h, host } = made);
    },
    { timeZone: "Europe/Berlin", days: [day], start: "02:00", durationMinutes: 120 },
  );

  it("refuses a forged signature and a timestamp older than five minutes (401), changing nothing", async () => {
    const command = slashCommand({
      user: ALICE,
      channel: CHANNEL,
      text: "upgrade web-2 now",
      responseUrl: h.fake.responseUrl(),
    });
    const forged = await postSigned(h.url, h.secret, command, {
      signature: `v0=${"0".repeat(64)}`,
    });
    expect(forged.status).toBe(401);
    const stale = await postSigned(h.url, h.secret, command, {
      timestamp: Math.floor(Date.now() / 1000) - 6 * 60,
    });
    expect(stale.status).toBe(401);
    expect(await h.workers.queue.count()).toBe(0);
  });

  it("`now` outside the window needs the approver's second, explicit confirmation", async () => {
    await h.command(ALICE, "upgrade web-2 now");
    const root = await h.requestRoot("web-2");
    expect(JSON.stringify(root.blocks)).toContain("Approve (emergency)");
    await h.click(BOB, REQUEST_ACTIONS.approve, root, "emergency-1");
    await h.workers.until(
      () => JSON.stringify(h.current(root).blocks).includes(REQUEST_ACTIONS.confirm),
      10_000,
      "the confirmation button",
    );
    expect(await h.workers.queue.getJob(requestIdOf(root))).toBeUndefined();
    await h.click(DAVE, REQUEST_ACTIONS.confirm, root, "other-approver");
    await h.workers.until(
      () => h.fake.responses("other-approver").length > 0,
      10_000,
      "the refusal",
    );
    await h.click(BOB, REQUEST_ACTIONS.confirm, root, "emergency-2");
    await h.workers.until(() => /Done/.test(h.current(root).text), 60_000, "the upgrade");
    expect((await host.installed()).get("kcm-guacd")).toBe("2.24.1-1.el8");
  });

  it("Slack answering 500s and 429s for a while: the rollback still runs, every message arrives afterwards, in order", async () => {
    await h.command(ALICE, "rollback web-2 now");
    const root = await h.requestRoot("web-2", 1);
    expect(root.text).toContain("Rollback of transaction");
    await h.click(BOB, REQUEST_ACTIONS.approve, root, "rollback-1");
    await h.workers.until(
      () => JSON.stringify(h.current(root).blocks).includes(REQUEST_ACTIONS.confirm),
      10_000,
      "the confirmation button",
    );
    h.fake.failFor("chat.postMessage", { status: 500 }, 8000);
    h.fake.failNext("chat.update", { status: 429, retryAfterSeconds: 2 }, 3);
    const outageEnds = Date.now() + 8000;
    await h.click(BOB, REQUEST_ACTIONS.confirm, root, "rollback-2");
    const job = await h.workers.finished(requestIdOf(root));
    expect(job.returnvalue).toMatchObject({ kind: "rolled-back" });
    // The host was done before Slack took a single message of the run.
    expect(job.finishedOn ?? Number.POSITIVE_INFINITY).toBeLessThan(outageEnds);
    expect((await host.installed()).get("kcm-guacd")).toBe("2.23.1-1.el8");
    await h.workers.until(
      () => h.thread(root).some((m) => m.text.startsWith("Rolled back")),
      60_000,
      "the summary",
    );
    const steps = h
      .thread(root)
      .map((m) => /^:(?:white_check_mark|x): \*([a-z]+)\*/.exec(m.text)?.[1])
      .filter(Boolean);
    expect(steps).toEqual(["preflight", "layout", "stop", "undo", "start", "verify"]);
    expect(h.fake.callsTo("chat.postMessage").some((c) => c.injected)).toBe(true);
  });
});

/**
 * The whole flow through Slack, in either mode: the command answered within
 * Slack's 3 s, the request, another person's approval, every step in the
 * thread, the summary, and the host upgraded.
 */
async function upgradesEndToEnd(h: BotHarness, host: LabHost): Promise<void> {
  const ack = await h.command(ALICE, `upgrade ${host.name}`);
  expect(ack.status).toBe(200);
  expect(ack.ms).toBeLessThan(3000);
  expect(JSON.parse(ack.body)).toMatchObject({
    response_type: "ephemeral",
    text: expect.stringContaining(`Making a fresh plan for \`${host.name}\``),
  });

  const root = await h.requestRoot(host.name);
  const blocks = JSON.stringify(root.blocks);
  expect(blocks).toContain("kcm-guacd 2.23.1-1.el8 → 2.24.1-1.el8");
  expect(blocks).toContain(`<@${ALICE}>`);
  expect(blocks).toContain("UTC");
  expect(blocks).toContain(REQUEST_ACTIONS.approve);

  const click = await h.click(BOB, REQUEST_ACTIONS.approve, root, "approve-1");
  expect(click.status).toBe(200);
  expect(click.ms).toBeLessThan(3000);

  // The root turns "Done" at once; the replies follow at Slack's pace (1 a second per channel).
  await h.workers.until(() => /Done/.test(h.current(root).text), 60_000, "the request to be done");
  await h.workers.until(
    () => h.thread(root).some((m) => m.text.startsWith("Upgraded")),
    30_000,
    "the summary",
  );
  const replies = h.thread(root).map((m) => m.text);
  expect(replies[0]).toMatch(new RegExp(`^Approved by <@${BOB}>`));
  const steps = replies
    .map((t) => /^:(?:white_check_mark|x): \*([a-z]+)\*/.exec(t)?.[1])
    .filter(Boolean);
  expect(steps).toEqual(UPGRADE_STEPS);
  expect(replies.at(-1)).toMatch(/^Upgraded 9 packages; downtime [\d.]+ s/);
  expect(JSON.stringify(h.current(root).blocks)).not.toContain(REQUEST_ACTIONS.approve);
  expect((await host.installed()).get("kcm-guacd")).toBe("2.24.1-1.el8");
  expect((await host.webStatus()).version).toBe("2.24.1-1.el8");
}

describeLabWithRedis(
  "the same, over Socket Mode (envelopes and acks on a WebSocket)",
  (redisUrl) => {
    let hosts: LabHost[];
    let h: BotHarness;
    botOverLabHosts(
      redisUrl,
      ["web-sock", "web-sock2"].map((name) => ({
        name,
        release: "2.23.1" as const,
        publish: ["2.24.1" as const],
      })),
      (made) => {
        ({ h, hosts } = made);
      },
      { window: ALWAYS_OPEN_WINDOW, mode: "socket" },
    );

    it("upgrades a lab host: request, approval, every step in the thread, success on the root", async () => {
      await upgradesEndToEnd(h, hosts[0] as LabHost);
      // Every envelope was acked once: nothing was redelivered.
      const acks = h.fake.socketMode.received.filter((m) => typeof m["envelope_id"] === "string");
      expect(acks.length).toBeGreaterThanOrEqual(2);
      expect(new Set(acks.map((m) => m["envelope_id"])).size).toBe(acks.length);
    });

    it("the App Home over Socket Mode: app_home_opened (an events_api envelope) publishes the Home tab", async () => {
      const delivery = await h.fake.socketMode.deliver("events_api", {
        type: "event_callback",
        event_id: `Ev${Date.now()}`,
        event: { type: "app_home_opened", user: ALICE, channel: "D0HOME", tab: "home" },
      });
      expect(delivery.ack).toBeDefined();
      await h.workers.until(() => h.fake.homeView(ALICE) !== undefined, 10_000, "the Home tab");
      expect(JSON.stringify(h.fake.homeView(ALICE))).toContain("*web-sock*");
    });

    it("a click Slack redelivers is acted on once; the socket dropped mid-upgrade loses no command", async () => {
      await h.command(ALICE, "upgrade web-sock2");
      const root = await h.requestRoot("web-sock2");
      const click = await h.click(BOB, REQUEST_ACTIONS.approve, root, "approve-twice", true);
      expect(click.status).toBe(200);
      const id = requestIdOf(root);
      await h.workers.until(
        () => h.workers.journalShows(id, "stop", "started"),
        60_000,
        "the stop",
      );

      const opened = h.fake.socketMode.connections;
      h.fake.socketMode.drop();
      // Sent while no socket is open: Slack delivers it once the bot is back.
      const status = await h.command(ALICE, "status");
      expect(h.fake.socketMode.connections).toBeGreaterThan(opened);
      expect(JSON.parse(status.body).text).toContain(id);

      await h.workers.until(
        () => h.thread(root).some((m) => m.text.startsWith("Upgraded")),
        60_000,
        "the summary",
      );
      const replies = h.thread(root).map((m) => m.text);
      expect(replies.filter((t) => t.startsWith("Approved by"))).toHaveLength(1);
      expect(h.fake.responses("approve-twice")).toEqual([]);
      const steps = replies
        .map((t) => /^:(?:white_check_mark|x): \*([a-z]+)\*/.exec(t)?.[1])
        .filter(Boolean);
      expect(steps).toEqual(UPGRADE_STEPS);
      expect(await (hosts[1] as LabHost).lastTransaction()).toBe(2);
    });
  },
);
