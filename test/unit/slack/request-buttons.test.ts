import { describe, expect, it } from "vitest";
import { buttonClickBody } from "../../../src/console/console-receiver.js";
import { REQUEST_ACTIONS } from "../../../src/slack/blocks/request-blocks.js";
import {
  ALICE,
  BOB,
  CAROL,
  CHANNEL,
  DAVE,
  SAMPLE_REQUEST_ID as ID,
  OTHER_CHANNEL,
  sampleRequest,
} from "../../support/sample-fleet.js";
import { CLICK_TIME, type SlackAppHarness, useSlackApp } from "./slack-app-harness.js";

const startApp = useSlackApp();

/** The bot with Alice's pending upgrade of web1 (or the request given) in its store. */
const start = (request = sampleRequest()) => startApp({ requests: [request] });

/** A private answer, as Slack shows it: to the clicker only, the request's message left alone. */
const privateAnswer = (user: string, text: unknown) => ({
  user,
  body: { response_type: "ephemeral", replace_original: false, text },
});

function expectUnchanged(harness: SlackAppHarness, before: unknown) {
  expect(harness.requests.byId.get(ID)).toBe(before);
  expect(harness.jobs.upgrades).toEqual([]);
  expect(harness.jobs.rollbacks).toEqual([]);
  expect(harness.jobs.removed).toEqual([]);
  expect(harness.chat.decisions).toEqual([]);
  expect(harness.audit.entries).toEqual([]);
}

describe("request buttons: refusals", () => {
  it("a click by someone who is not an approver: refused privately, the request unchanged, nothing queued", async () => {
    const harness = await start();
    const before = harness.requests.byId.get(ID);

    const ack = await harness.click(CAROL, REQUEST_ACTIONS.approve, ID);

    expect(ack).toBeUndefined();
    expect(harness.privately).toEqual([
      privateAnswer(CAROL, `only approvers can approve this upgrade, and <@${CAROL}> is not one`),
    ]);
    expectUnchanged(harness, before);
  });

  it("the requester's own approval: refused privately", async () => {
    const harness = await start(sampleRequest({ requestedBy: DAVE }));
    const before = harness.requests.byId.get(ID);

    await harness.click(DAVE, REQUEST_ACTIONS.approve, ID);

    expect(harness.privately).toEqual([
      privateAnswer(
        DAVE,
        `<@${DAVE}> asked for this upgrade: nobody approves their own request, another approver must`,
      ),
    ]);
    expectUnchanged(harness, before);
  });

  it("a click in another channel: refused privately before the request is read", async () => {
    const harness = await start();
    const before = harness.requests.byId.get(ID);

    await harness.click(BOB, REQUEST_ACTIONS.approve, ID, { channel: OTHER_CHANNEL });

    expect(harness.privately).toEqual([
      privateAnswer(BOB, "kcm-chatops decides requests only in its own channels."),
    ]);
    expectUnchanged(harness, before);
  });

  it("a button without a value: acked, and nothing else happens", async () => {
    const harness = await start();
    const before = harness.requests.byId.get(ID);
    const body = buttonClickBody({
      user: BOB,
      channel: CHANNEL,
      actionId: REQUEST_ACTIONS.approve,
      requestId: ID,
      responseUrl: harness.responseUrl(BOB),
    });

    await harness.send({
      ...body,
      actions: [
        {
          type: "button",
          action_id: REQUEST_ACTIONS.approve,
          block_id: `kcm_request_${ID}`,
          action_ts: "1764158700.000001",
        },
      ],
    });

    expect(harness.privately).toEqual([]);
    expectUnchanged(harness, before);
  });

  it("an action id the bot does not know: no listener runs", async () => {
    const harness = await start();
    const before = harness.requests.byId.get(ID);

    const ack = await harness.click(BOB, "kcm_delete_everything", ID);

    expect(ack).toBeUndefined();
    expect(harness.privately).toEqual([]);
    expectUnchanged(harness, before);
  });

  it("a click on a request that is not there: refused privately", async () => {
    const harness = await start();
    const before = harness.requests.byId.get(ID);

    await harness.click(BOB, REQUEST_ACTIONS.approve, "r-00000000");

    expect(harness.privately).toEqual([
      privateAnswer(BOB, "there is no request r-00000000 (or it is older than 90 days)"),
    ]);
    expectUnchanged(harness, before);
  });
});

describe("request buttons: decisions", () => {
  it("an approver's click approves the request and queues its job, once", async () => {
    const harness = await start();
    const request = harness.requests.byId.get(ID);

    await harness.click(BOB, REQUEST_ACTIONS.approve, ID);
    await harness.click(DAVE, REQUEST_ACTIONS.approve, ID);

    expect(harness.jobs.upgrades).toEqual([
      {
        requestId: ID,
        host: "web1",
        plan: request?.plan,
        window: request?.runWindow,
        requestedBy: ALICE,
        approvedBy: BOB,
        layout: "standalone",
      },
    ]);
    expect(harness.requests.byId.get(ID)?.state).toBe("approved");
    expect(harness.requests.byId.get(ID)?.approvedBy).toBe(BOB);
    expect(harness.chat.decisions.map((d) => d.decision)).toEqual([
      { kind: "approve", by: BOB, at: CLICK_TIME },
    ]);
    expect(harness.audit.entries.map((e) => [e.who, e.what, e.detail])).toEqual([
      [BOB, "request-approve", "now approved"],
    ]);
    // Bob was told nothing privately; Dave, why his click came too late.
    expect(harness.privately).toEqual([
      privateAnswer(DAVE, expect.stringMatching(new RegExp(`^already approved by <@${BOB}> at `))),
    ]);
  });

  it("a click Slack delivers again (the same trigger id: its ack went missing) is acked and not acted on twice", async () => {
    const harness = await start();
    const click = buttonClickBody({
      user: BOB,
      channel: CHANNEL,
      actionId: REQUEST_ACTIONS.approve,
      requestId: ID,
      responseUrl: harness.responseUrl(BOB),
      triggerId: "1764158700.42.abc",
    });

    await harness.send(click);
    const again = await harness.send(click);

    expect(again).toBeUndefined();
    expect(harness.jobs.upgrades).toHaveLength(1);
    expect(harness.chat.decisions).toHaveLength(1);
    expect(harness.audit.entries).toHaveLength(1);
    // Not "already approved by you": the redelivery says nothing at all.
    expect(harness.privately).toEqual([]);
  });

  it("the job carries the inventory's layout of the host", async () => {
    const harness = await start(sampleRequest({ host: "web2" }));

    await harness.click(BOB, REQUEST_ACTIONS.approve, ID);

    expect(harness.jobs.upgrades.map((j) => [j.host, j.layout])).toEqual([["web2", "tomcat"]]);
  });

  it("an emergency: the approval waits for the same approver's confirmation, then queues", async () => {
    const harness = await start(sampleRequest({ when: { kind: "now" }, emergency: true }));

    await harness.click(BOB, REQUEST_ACTIONS.approve, ID);
    expect(harness.requests.byId.get(ID)?.state).toBe("awaiting-emergency");
    expect(harness.jobs.upgrades).toEqual([]);

    await harness.click(DAVE, REQUEST_ACTIONS.confirm, ID);
    expect(harness.privately).toEqual([
      privateAnswer(DAVE, `only <@${BOB}>, who approved it, can confirm the emergency`),
    ]);
    expect(harness.jobs.upgrades).toEqual([]);

    await harness.click(BOB, REQUEST_ACTIONS.confirm, ID);
    expect(harness.requests.byId.get(ID)?.state).toBe("approved");
    expect(harness.jobs.upgrades.map((j) => [j.requestId, j.approvedBy])).toEqual([[ID, BOB]]);
  });

  it("reject: the request is rejected and nothing is queued", async () => {
    const harness = await start();

    await harness.click(DAVE, REQUEST_ACTIONS.reject, ID);

    expect(harness.requests.byId.get(ID)?.state).toBe("rejected");
    expect(harness.jobs.upgrades).toEqual([]);
    expect(harness.jobs.removed).toEqual([]);
    expect(harness.privately).toEqual([]);
  });

  it("cancel after approval: the request is cancelled and its queued job taken off", async () => {
    const harness = await start();

    await harness.click(BOB, REQUEST_ACTIONS.approve, ID);
    await harness.click(ALICE, REQUEST_ACTIONS.cancel, ID);

    expect(harness.requests.byId.get(ID)?.state).toBe("cancelled");
    expect(harness.jobs.upgrades.map((j) => j.requestId)).toEqual([ID]);
    expect(harness.jobs.removed).toEqual([ID]);
    expect(harness.privately).toEqual([]);
  });
});
