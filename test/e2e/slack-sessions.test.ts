import { expect, it } from "vitest";
import { REQUEST_ACTIONS } from "../../src/slack/blocks/request-blocks.js";
import type { LabHost } from "../lab/lab.js";
import { ALICE, BOB, type BotHarness, botOverLabHost, CHANNEL } from "../support/bot-harness.js";
import { describeLabWithRedis } from "../support/describe-lab-with-redis.js";

/**
 * Who a stop cuts off, said before it happens: the active sessions in the
 * check's summary, in the request at plan time, and in the thread just
 * before the stop.
 */
describeLabWithRedis("active sessions, from Slack", (redisUrl) => {
  let h: BotHarness;
  let host: LabHost;
  botOverLabHost(redisUrl, { name: "sess-1", release: "2.23.1", publish: ["2.24.1"] }, (made) => {
    ({ h, host } = made);
  });

  it("check, plan and the thread before the stop say 2 active sessions; the stop cuts them", async () => {
    const sessions = await host.openSessions(2);
    try {
      await h.command(ALICE, "check sess-1");
      await h.workers.until(
        () => h.fake.messages(CHANNEL).some((m) => m.text.startsWith("Check of `sess-1`")),
        30_000,
        "the check summary",
      );
      const summary = h.fake.messages(CHANNEL).find((m) => m.text.startsWith("Check of `sess-1`"));
      expect(JSON.stringify(summary?.blocks)).toContain("KCM 2.23.1-1.el8, 2 active sessions");

      await h.command(ALICE, "upgrade sess-1");
      const root = await h.requestRoot("sess-1");
      expect(JSON.stringify(root.blocks)).toContain("`sess-1` (2 active sessions at plan time)");

      await h.click(BOB, REQUEST_ACTIONS.approve, root, "approve");
      await h.workers.until(
        () => h.thread(root).some((m) => m.text.startsWith("Upgraded")),
        60_000,
        "the summary",
      );
      const replies = h.thread(root).map((m) => m.text);
      const warned = replies.indexOf(
        ":warning: Stopping with 2 active sessions: the stop cuts them off.",
      );
      const stopped = replies.findIndex((t) => /^:white_check_mark: \*stop\*/.test(t));
      expect(warned).toBeGreaterThan(0);
      expect(warned).toBeLessThan(stopped);
      expect(sessions.open()).toBe(0);
    } finally {
      await sessions.close();
    }
  });
});
