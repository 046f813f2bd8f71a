import { expect, it } from "vitest";
import type { LabHost } from "../lab/lab.js";
import type { BotHarness } from "../support/bot-harness.js";
import { botOverLabHosts } from "../support/bot-harness.js";
import { describeLabWithRedis } from "../support/describe-lab-with-redis.js";
import { labHosts, names, rollOut, versionOf } from "../support/rollout-steps.js";

/**
 * A rollout whose window closes while its canary runs: a window of today,
 * from the minute the hosts are made, for 2 minutes (it closes 60 to 120 s
 * later); the canary's yum lasts until just after it.
 */
describeLabWithRedis("a window that closes mid-rollout", (redisUrl) => {
  let h: BotHarness;
  let hosts: LabHost[];
  let closes = 0;
  // Made when the hosts are: today, from this minute, for 2 minutes.
  const window = () => {
    const opened = new Date();
    opened.setUTCSeconds(0, 0);
    closes = opened.getTime() + 120_000;
    return {
      timeZone: "UTC",
      days: [["sun", "mon", "tue", "wed", "thu", "fri", "sat"][opened.getUTCDay()]],
      start: opened.toISOString().slice(11, 16),
      durationMinutes: 2,
    };
  };
  botOverLabHosts(
    redisUrl,
    labHosts("rw", 2),
    (made) => {
      ({ h, hosts } = made);
    },
    { window, groups: { closing: names("rw", 2) } },
  );

  it("the canary outlasts the window: the next host is not started (window closed), and the end says how to go on", async () => {
    const [rw1, rw2] = hosts;
    if (!rw1 || !rw2) throw new Error("hosts");
    // The canary's yum runs until 3 s after the window has closed.
    await rw1.fault("slow-upgrade", Math.ceil((closes - Date.now()) / 1000) + 3);

    const { root, summary } = await rollOut(h, "closing");

    expect(summary).toContain("over: 1 upgraded, 1 not started.");
    expect(summary).toContain(
      "The window closed before every host could start. `/kcm upgrade closing` plans what is left.",
    );
    expect(JSON.stringify(h.current(root).blocks)).toContain("`rw-2` not started (window closed)");
    expect(await versionOf(rw1)).toBe("2.24.1-1.el8");
    expect(await versionOf(rw2)).toBe("2.23.1-1.el8");
  }, 240_000);
});
