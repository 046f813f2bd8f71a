import { expect, it } from "vitest";
import { HOME_CHECK } from "../../src/slack/blocks/home-blocks.js";
import type { LabHost } from "../lab/lab.js";
import {
  ALICE,
  BOB,
  type BotHarness,
  botOverLabHosts,
  CHANNEL,
  requestIdOf,
} from "../support/bot-harness.js";
import { describeLabWithRedis } from "../support/describe-lab-with-redis.js";
import { mrkdwnProblems } from "../support/mrkdwn-check.js";
import { postSigned, postSignedEvent } from "../support/slack-signer.js";

/**
 * The App Home on lab hosts, over signed HTTP: opened, it shows the fleet
 * from the last checks and the open requests with links to their threads;
 * "Check now" checks every host, once per person in 5 minutes; a failing
 * host shows why.
 */
describeLabWithRedis("the App Home, from Slack", (redisUrl) => {
  let h: BotHarness;
  let hosts: LabHost[];
  botOverLabHosts(
    redisUrl,
    [
      { name: "home-1", release: "2.23.1" as const, publish: ["2.24.1" as const] },
      { name: "home-2", release: "2.24.1" as const },
    ],
    (made) => {
      ({ h, hosts } = made);
    },
  );

  const summaries = () => h.fake.messages(CHANNEL).filter((m) => m.text.startsWith("Check of"));
  const open = (user: string) =>
    postSignedEvent(h.url, h.secret, {
      type: "app_home_opened",
      user,
      channel: "D0HOME",
      tab: "home",
    });
  /** The Home tab's section texts, as published for `user`. */
  const home = (user: string) =>
    (
      (h.fake.homeView(user)?.blocks ?? []) as {
        type: string;
        text?: { text: string };
        elements?: { text: string }[];
      }[]
    )
      .flatMap((b) => [b.text?.text, ...(b.elements ?? []).map((e) => e.text)])
      .filter((t): t is string => typeof t === "string" && t !== "");
  const checkNow = (user: string) =>
    postSigned(h.url, h.secret, {
      payload: JSON.stringify({
        type: "block_actions",
        user: { id: user, username: user.toLowerCase(), team_id: "T0KCMTEAM" },
        api_app_id: "A0KCMAPP",
        token: "deprecated-verification-token",
        container: { type: "view", view_id: `V${user}` },
        trigger_id: `${Date.now()}.${Math.floor(Math.random() * 1e9)}.home`,
        team: { id: "T0KCMTEAM", domain: "kcm" },
        view: { id: `V${user}`, type: "home" },
        actions: [
          {
            type: "button",
            action_id: HOME_CHECK,
            block_id: "home",
            value: "all",
            action_ts: String(Date.now() / 1000),
          },
        ],
      }),
    });

  it("shows each host from the last check and the open requests, linked to their threads", async () => {
    await h.command(ALICE, "check all");
    await h.workers.until(() => summaries().length === 1, 30_000, "the check");
    await h.command(ALICE, "upgrade home-1");
    const root = await h.requestRoot("home-1");

    await open(ALICE);
    await h.workers.until(() => home(ALICE).length > 0, 10_000, "the Home tab");
    const lines = home(ALICE);
    const one = lines.find((l) => l.startsWith("*home-1*")) ?? "";
    expect(one).toMatch(
      /KCM 2\.23\.1-1\.el8 · :arrow_up: 2\.23\.1-1\.el8 → 2\.24\.1-1\.el8 pending \(\d+ packages\) · 0 active sessions · window `maintenance` · checked <!date\^/,
    );
    expect(lines.find((l) => l.startsWith("*home-2*"))).toMatch(/KCM 2\.24\.1-1\.el8 · up to date/);
    const id = requestIdOf(root);
    const link = `<https://slack.com/archives/${CHANNEL}/p${root.ts.replace(".", "")}|${id}>`;
    expect(lines.some((l) => l.includes(`${link} upgrade of \`home-1\`: pending`))).toBe(true);
    for (const line of lines) expect(mrkdwnProblems(line)).toEqual([]);
  });

  it("Check now: every host checked, once per person in 5 minutes; a failing host shows why", async () => {
    await hosts[1]?.killSshd();
    await checkNow(BOB);
    await h.workers.until(() => summaries().length === 2, 30_000, "Bob's check");
    expect(home(BOB).some((l) => l.startsWith("Checking every host"))).toBe(true);

    await checkNow(BOB);
    await h.workers.until(
      () => home(BOB).some((l) => l.startsWith("You asked for a check less than 5 minutes ago")),
      10_000,
      "the limit's note",
    );
    await new Promise((r) => setTimeout(r, 2000));
    expect(summaries()).toHaveLength(2);

    await open(BOB);
    await h.workers.until(
      () => home(BOB).some((l) => l.startsWith("*home-2*") && l.includes(":x:")),
      10_000,
      "home-2 failing",
    );
    expect(home(BOB).find((l) => l.startsWith("*home-2*"))).toMatch(/:x: .*refused/);
    await hosts[1]?.startSshd();
  });
});
