import { describe, expect, it } from "vitest";
import { applyAction, type UpgradeRequest } from "../../../src/domain/upgrade-request.js";
import { REQUEST_ACTIONS, requestBlocks } from "../../../src/slack/blocks/request-blocks.js";
import { afterT0, BOB, SAMPLE_POLICY, sampleRequest } from "../../support/sample-fleet.js";

/** An emergency request of web1, approved once by Bob: waiting for his confirmation. */
function awaitingEmergency(sessions: number | null | undefined): UpgradeRequest {
  const request = sampleRequest({
    emergency: true,
    ...(sessions === undefined ? {} : { sessions }),
  });
  const approved = applyAction(
    request,
    { kind: "approve", by: BOB, at: afterT0(1) },
    SAMPLE_POLICY,
  );
  if (!approved.ok) throw new Error(approved.reason);
  return approved.request;
}

/** The emergency button's confirmation dialog, as Slack gets it. */
function promptOf(request: UpgradeRequest) {
  const { blocks } = requestBlocks(request, { windowLabel: "now" });
  const actions = blocks.find((b) => b.type === "actions");
  const button =
    actions?.type === "actions"
      ? actions.elements.find((e) => "action_id" in e && e.action_id === REQUEST_ACTIONS.confirm)
      : undefined;
  return button && "confirm" in button ? button.confirm : undefined;
}

describe("the emergency button's prompt", () => {
  it("says whom stopping now cuts off, as counted at plan time", () => {
    expect(promptOf(awaitingEmergency(3))?.text.text).toBe(
      "This stops KCM on web1 now, outside the maintenance window. At plan time there were 3 active sessions: the stop cuts them off.",
    );
  });

  it("says so when there were none, or when they could not be counted", () => {
    expect(promptOf(awaitingEmergency(0))?.text.text).toContain("there were no active sessions");
    expect(promptOf(awaitingEmergency(null))?.text.text).toContain(
      "an unknown number of active sessions",
    );
  });

  it("shows the count on the request itself, beside the host", () => {
    const { blocks } = requestBlocks(awaitingEmergency(1), { windowLabel: "now" });
    expect(JSON.stringify(blocks)).toContain("`web1` (1 active session at plan time)");
  });
});

describe("a rollout's lines in the host's words", () => {
  it("escape &, < and > so Slack shows them as written", async () => {
    const { hostRunLine, rolloutPlanText } = await import(
      "../../../src/slack/blocks/rollout-blocks.js"
    );
    const line = hostRunLine("web1", {
      state: "done",
      ending: "failed",
      at: "2026-11-27T01:00:00.000Z",
      note: "upgrade: <stdin> & friends > /dev/null",
    });
    expect(line).toBe(
      ":red_circle: `web1` failed: upgrade: &lt;stdin&gt; &amp; friends &gt; /dev/null",
    );
    const plan = rolloutPlanText(
      {
        hosts: [],
        leftOut: [{ host: "web2", reason: "repo <https://x> unreachable" }],
        policy: { canary: 1, maxParallel: 1, onFailure: "stop" },
      },
      "0".repeat(64),
    );
    expect(plan).toContain("• `web2`: repo &lt;https://x&gt; unreachable");
  });
});
