import { describe, expect, it } from "vitest";
import { NOTICE_UPGRADE } from "../../../src/slack/blocks/notice-blocks.js";
import { mrkdwnProblems } from "../../support/mrkdwn-check.js";
import { CAROL, CHANNEL, EVE, OTHER_CHANNEL, sampleRequest } from "../../support/sample-fleet.js";
import { type SlackAppHarness, useSlackApp } from "./slack-app-harness.js";

// "Request upgrade (next window)" on a scheduled check's notice.

const startApp = useSlackApp();
const RELEASE = "2.24.1-1.el8";

async function start(requests = [] as ReturnType<typeof sampleRequest>[]) {
  const harness = await startApp({ requests });
  // The last scheduled check: web1 and web2 wait for the release, and a host since removed.
  harness.notices.state = {
    pending: { web1: RELEASE, web2: RELEASE, gone1: RELEASE, lab1: "2.23.2-1.el8" },
    failing: {},
  };
  return harness;
}

/** The clicker's private answers' texts. */
const told = (harness: SlackAppHarness) =>
  harness.privately.map((p) => (p.body as { text?: string }).text ?? "");

function click(
  harness: SlackAppHarness,
  user: string,
  options: { channel?: string; triggerId?: string } = {},
) {
  return harness.send({
    type: "block_actions",
    trigger_id: options.triggerId ?? `${Date.now()}.${Math.random()}`,
    user: { id: user },
    team: { id: "T0TEAM" },
    channel: { id: options.channel ?? CHANNEL },
    container: { type: "message", channel_id: options.channel ?? CHANNEL },
    response_url: harness.responseUrl(user),
    actions: [
      {
        type: "button",
        action_id: NOTICE_UPGRADE,
        block_id: "notice",
        value: RELEASE,
        action_ts: "1764158700.000001",
      },
    ],
  });
}

describe("the notice's button", () => {
  it("asks, as the clicker, for the hosts still waiting for the release, in the next window", async () => {
    const harness = await start();

    await click(harness, CAROL);

    expect(harness.tasks.plans).toEqual([
      expect.objectContaining({
        requestKind: "upgrade",
        host: "web1,web2",
        when: { kind: "next-window" },
        requestedBy: CAROL,
        channel: CHANNEL,
      }),
    ]);
    const [answer = ""] = told(harness);
    expect(answer).toMatch(/^Making a fresh plan for KCM 2\.24\.1-1\.el8 on `web1`, `web2`/);
    expect(answer).toContain("Left out: no longer in the inventory: `gone1`");
    expect(mrkdwnProblems(answer)).toEqual([]);
  });

  it("leaves out a host already in an open request, and says so", async () => {
    const harness = await start([sampleRequest({ host: "web1" })]);

    await click(harness, CAROL);

    expect(harness.tasks.plans.map((p) => p.host)).toEqual(["web2"]);
    expect(told(harness)[0]).toContain("already in a request: `web1` (in r-0k3j9x2a, pending)");
  });

  it("nothing left to ask for: the clicker is told why, and nothing changes", async () => {
    const harness = await start([
      sampleRequest({ host: "web1" }),
      sampleRequest({ id: "r-0k3j9x2b", host: "web2" }),
    ]);

    await click(harness, CAROL);

    expect(harness.tasks.plans).toEqual([]);
    expect(told(harness)[0]).toMatch(
      /^No host is left to ask KCM 2\.24\.1-1\.el8 for \(no longer in the inventory: `gone1`; already in a request: /,
    );
  });

  it("every host upgraded since (the last check has none waiting): nothing requested", async () => {
    const harness = await startApp({});
    harness.notices.state = { pending: {}, failing: {} };

    await click(harness, CAROL);

    expect(harness.tasks.plans).toEqual([]);
    expect(told(harness)).toEqual([
      "No host is left to ask KCM 2.24.1-1.el8 for: every host that waited for it was upgraded since. Nothing was requested.",
    ]);
  });

  it("in another channel, or by someone not on the requesters list: refused, nothing queued", async () => {
    const harness = await start();
    await click(harness, CAROL, { channel: OTHER_CHANNEL });
    await click(harness, EVE);
    expect(told(harness)).toEqual([
      "kcm-chatops takes requests only in its own channels.",
      "You are not on kcm-chatops's list of requesters; ask an administrator to add you.",
    ]);
    expect(harness.tasks.plans).toEqual([]);
  });

  it("a click Slack delivers again is acted on once", async () => {
    const harness = await start();
    await click(harness, CAROL, { triggerId: "1764158700.7.abc" });
    await click(harness, CAROL, { triggerId: "1764158700.7.abc" });
    expect(harness.tasks.plans).toHaveLength(1);
  });
});
