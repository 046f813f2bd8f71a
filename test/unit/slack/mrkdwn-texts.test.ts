import { describe, expect, it } from "vitest";
import { KCM_USAGE } from "../../../src/domain/parse-kcm-command.js";
import { hostsText, statusText } from "../../../src/slack/blocks/fleet-text.js";
import { homeView } from "../../../src/slack/blocks/home-blocks.js";
import { noticeBlocks } from "../../../src/slack/blocks/notice-blocks.js";
import { mrkdwnProblems } from "../../support/mrkdwn-check.js";
import { ALICE, SAMPLE_INVENTORY, sampleRequest } from "../../support/sample-fleet.js";
import { useSlackApp } from "./slack-app-harness.js";

// Every text the bot answers with goes through Slack's mrkdwn: what it
// quotes of what was typed must show as typed, and its placeholders too.

const start = useSlackApp();

/** Every `text` string in a tree of blocks. */
function textsOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(textsOf);
  if (typeof value !== "object" || value === null) return [];
  return Object.entries(value).flatMap(([key, inner]) =>
    key === "text" && typeof inner === "string" ? [inner] : textsOf(inner),
  );
}

describe("mrkdwnProblems (the check itself)", () => {
  it.each([
    ["/kcm upgrade <host|group>", ['a bare "<"', 'a bare ">"']],
    ["at <time>", ['a bare "<"', 'a bare ">"']],
    ["a & b", ['a bare "&"']],
    ["x > y", ['a bare ">"']],
  ])("finds what Slack would not show as written: %s", (text, found) => {
    expect(mrkdwnProblems(text).map((p) => p.split(" near")[0])).toEqual(found);
  });

  it.each([
    "asked by <@U0ALICE> in <#C0KCMOPS|kcm-ops>, see <https://example.com/x?a=1&amp;b=2|the doc>",
    "&lt;script&gt; &amp; friends",
    "> a quote\n> on two lines",
    "<!here> it is done",
  ])("lets through what Slack knows: %s", (text) => {
    expect(mrkdwnProblems(text)).toEqual([]);
  });
});

describe("what the bot answers", () => {
  it("a fleet notice, whatever the hosts said", () => {
    const { blocks, text } = noticeBlocks(
      {
        releases: [{ version: "2.24.1-1.el8", hosts: ["web1", "web2"] }],
        failing: [{ host: "web3", reason: "refused" }],
        recovered: ["lab1"],
      },
      new Map([["web3", "connect ECONNREFUSED <127.0.0.1:22> & gave up"]]),
    );
    for (const shown of [text, ...textsOf(blocks)]) expect(mrkdwnProblems(shown)).toEqual([]);
  });

  it("the Home tab, whatever the hosts said", () => {
    const view = homeView({
      inventory: SAMPLE_INVENTORY,
      snapshots: [
        {
          host: "web1",
          checkedAt: "2026-12-02T03:00:00.000Z",
          problem: "connect <refused> & gave up",
        },
        {
          host: "web2",
          checkedAt: "2026-12-02T03:00:00.000Z",
          kcmVersion: "2.23.1-1.el8",
          pending: { from: "2.23.1-1.el8", to: "2.24.1-1.el8", packages: 9 },
          sessions: 2,
        },
      ],
      requests: [sampleRequest()],
      links: new Map([["r-0k3j9x2a", "https://slack.com/archives/C0KCMOPS/p1764600000000100"]]),
      note: "Checking every host.",
    });
    for (const shown of textsOf(view.blocks)) expect(mrkdwnProblems(shown)).toEqual([]);
  });

  it("the usage, the hosts and the status texts", () => {
    expect(mrkdwnProblems(KCM_USAGE)).toEqual([]);
    expect(mrkdwnProblems(hostsText(SAMPLE_INVENTORY))).toEqual([]);
    expect(mrkdwnProblems(statusText([sampleRequest()], undefined, new Map()))).toEqual([]);
  });

  it.each([
    "help",
    "",
    "frobnicate",
    "upgrade <script>",
    "upgrade web1 at <time>",
    "upgrade a&b",
    "check <host|group>",
    "check web-9",
    "upgrade web1 at 25:99",
    "rollback web",
    "cancel <request-id>",
    "cancel r-00000000",
    "status <host>",
    "upgrade web1 & reboot",
    "check x>y",
  ])("/kcm %s", async (typed) => {
    const harness = await start();
    const answer = (await harness.command(ALICE, typed)) ?? "";
    expect(answer).not.toBe("");
    expect(mrkdwnProblems(answer)).toEqual([]);
  });

  it("shows what was typed as typed: escaped, not dropped", async () => {
    const harness = await start();
    const answer = (await harness.command(ALICE, "check <b>&x")) ?? "";
    expect(answer).toMatch(/^"&lt;" is not allowed in a command/);
  });
});
