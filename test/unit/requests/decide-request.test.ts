import { describe, expect, it } from "vitest";
import { rollbackJobSchema, upgradeJobSchema } from "../../../src/domain/upgrade-job.js";
import type { UpgradeRequest } from "../../../src/domain/upgrade-request.js";
import {
  cancelRequest,
  type DecideDeps,
  decideRequest,
} from "../../../src/requests/decide-request.js";
import type { Decision } from "../../../src/requests/ports.js";
import {
  MemoryAudit,
  MemoryChat,
  MemoryJobQueue,
  MemoryRequests,
  MemoryTaskQueue,
} from "../../support/in-memory-ports.js";
import {
  ALICE,
  afterT0,
  BOB,
  DAVE,
  EVE,
  SAMPLE_REQUEST_ID as ID,
  SAMPLE_INVENTORY,
  SAMPLE_POLICY,
  sampleRequest,
} from "../../support/sample-fleet.js";

async function setup(request: UpgradeRequest = sampleRequest()) {
  const ports = {
    requests: new MemoryRequests(),
    chat: new MemoryChat(),
    jobs: new MemoryJobQueue(),
    tasks: new MemoryTaskQueue(),
    audit: new MemoryAudit(),
  };
  await ports.requests.create(request);
  const deps: DecideDeps = {
    ...ports,
    inventory: SAMPLE_INVENTORY,
    approvalPolicy: () => SAMPLE_POLICY,
  };
  /** What a refused decision must leave as it was. */
  const snapshot = () => ({
    request: ports.requests.byId.get(request.id),
    decisions: ports.chat.decisions.length,
    audit: ports.audit.entries.length,
    upgrades: ports.jobs.upgrades.length,
    rollbacks: ports.jobs.rollbacks.length,
    removed: ports.jobs.removed.length,
  });
  return { deps, snapshot, ...ports };
}

/** A click `minutes` after the request was made (it expires at 60). */
const click = (kind: Decision["kind"], by: string, minutes = 5): Decision => ({
  kind,
  by,
  at: afterT0(minutes),
});

describe("decideRequest: approving", () => {
  it("queues the job with the request's plan, window, requester, approver and the host's layout", async () => {
    const request = sampleRequest();
    const { deps, requests, chat, jobs, audit } = await setup(request);

    const refused = await decideRequest(deps, ID, click("approve", BOB));

    expect(refused).toBeUndefined();
    expect(jobs.upgrades).toEqual([
      {
        requestId: ID,
        host: "web1",
        plan: request.plan,
        window: { start: "2026-11-27T01:00:00.000Z", end: "2026-11-27T04:00:00.000Z" },
        requestedBy: ALICE,
        approvedBy: BOB,
        layout: "standalone",
      },
    ]);
    expect(upgradeJobSchema.safeParse(jobs.upgrades[0]).error).toBeUndefined();
    expect(jobs.rollbacks).toEqual([]);
    expect(jobs.removed).toEqual([]);
    const approved = requests.byId.get(ID);
    expect(approved?.state).toBe("approved");
    expect(approved?.approvedBy).toBe(BOB);
    expect(chat.decisions).toEqual([{ request: approved, decision: click("approve", BOB) }]);
    expect(audit.entries).toEqual([
      {
        requestId: ID,
        host: "web1",
        who: BOB,
        what: "request-approve",
        detail: "now approved",
      },
    ]);
  });

  it.each([
    ["web2", "tomcat"],
    ["lab1", "auto"],
  ])("gives the job of %s the layout the inventory sets for it (%s)", async (host, layout) => {
    const { deps, jobs } = await setup(sampleRequest({ host }));

    await decideRequest(deps, ID, click("approve", BOB));

    expect(jobs.upgrades.map((job) => [job.host, job.layout])).toEqual([[host, layout]]);
  });

  it("queues an approved rollback as a rollback of its yum transaction", async () => {
    const request = sampleRequest({ kind: "rollback", transactionId: 42 });
    const { deps, jobs } = await setup(request);

    await decideRequest(deps, ID, click("approve", DAVE));

    expect(jobs.upgrades).toEqual([]);
    expect(jobs.rollbacks).toEqual([
      expect.objectContaining({
        requestId: ID,
        transactionId: 42,
        approvedBy: DAVE,
      }),
    ]);
    expect(rollbackJobSchema.safeParse(jobs.rollbacks[0]).error).toBeUndefined();
  });

  it("queues nothing for an emergency until the approver confirms it", async () => {
    const request = sampleRequest({
      when: { kind: "now" },
      emergency: true,
      runWindow: { start: afterT0(0), end: afterT0(120) },
    });
    const { deps, requests, chat, jobs, audit } = await setup(request);

    expect(await decideRequest(deps, ID, click("approve", BOB))).toBeUndefined();
    expect(requests.byId.get(ID)?.state).toBe("awaiting-emergency");
    expect(chat.decisions.map((d) => d.request.state)).toEqual(["awaiting-emergency"]);
    expect(jobs.upgrades).toEqual([]);

    const byAnother = await decideRequest(deps, ID, click("confirm-emergency", DAVE, 6));
    expect(byAnother).toBe("only <@U0BOB>, who approved it, can confirm the emergency");
    expect(jobs.upgrades).toEqual([]);

    expect(await decideRequest(deps, ID, click("confirm-emergency", BOB, 7))).toBeUndefined();
    expect(jobs.upgrades).toEqual([
      expect.objectContaining({
        approvedBy: BOB,
        window: { start: "2026-11-26T12:00:00.000Z", end: "2026-11-26T14:00:00.000Z" },
      }),
    ]);
    expect(requests.byId.get(ID)?.state).toBe("approved");
    expect(audit.entries.map((e) => [e.who, e.what])).toEqual([
      [BOB, "request-approve"],
      [BOB, "request-confirm-emergency"],
    ]);
  });

  it("queues the job even when the thread cannot be told (Redis away): never approved without a job", async () => {
    const { deps, requests, chat, jobs } = await setup();
    chat.decided = async () => {
      throw new Error("the poster's Redis is away");
    };

    await expect(decideRequest(deps, ID, click("approve", BOB))).rejects.toThrow(/away/);

    expect(requests.byId.get(ID)?.state).toBe("approved");
    expect(jobs.upgrades.map((j) => j.requestId)).toEqual([ID]);
  });

  it("rejects without queueing anything", async () => {
    const { deps, requests, jobs, audit } = await setup();

    expect(await decideRequest(deps, ID, click("reject", DAVE))).toBeUndefined();

    expect(requests.byId.get(ID)?.state).toBe("rejected");
    expect(jobs.upgrades).toEqual([]);
    expect(audit.entries.map((e) => [e.what, e.detail])).toEqual([
      ["request-reject", "now rejected"],
    ]);
  });
});

describe("decideRequest: a refused decision says why and changes nothing", () => {
  const cases: {
    name: string;
    /** Decisions made before, which must succeed. */
    before?: Decision[];
    requestId?: string;
    decision: Decision;
    reason: string;
  }[] = [
    {
      name: "an approval by someone who is not an approver",
      decision: click("approve", EVE),
      reason: "only approvers can approve this upgrade, and <@U0EVE> is not one",
    },
    {
      name: "the requester approving their own request",
      decision: click("approve", ALICE),
      reason:
        "<@U0ALICE> asked for this upgrade: nobody approves their own request, another approver must",
    },
    {
      name: "an approval at the moment the request expires",
      decision: click("approve", BOB, 60),
      reason: "expired at 2026-11-26 13:00 UTC: ask again with /kcm upgrade web1",
    },
    {
      name: "an approval of a request already approved",
      before: [click("approve", BOB, 5)],
      decision: click("approve", DAVE, 6),
      reason: "already approved by <@U0BOB> at 2026-11-26 12:05 UTC",
    },
    {
      name: "an approval of a rejected request",
      before: [click("reject", DAVE, 5)],
      decision: click("approve", BOB, 6),
      reason: "rejected by <@U0DAVE> at 2026-11-26 12:05 UTC",
    },
    {
      name: "an approval of a cancelled request",
      before: [click("cancel", ALICE, 5)],
      decision: click("approve", BOB, 6),
      reason: "cancelled by <@U0ALICE> at 2026-11-26 12:05 UTC",
    },
    {
      name: "a decision on a request that is not there",
      requestId: "r-unknown1",
      decision: click("approve", BOB),
      reason: "there is no request r-unknown1 (or it is older than 90 days)",
    },
    {
      name: "a cancel by someone who neither asked nor approves",
      decision: click("cancel", EVE),
      reason: "only <@U0ALICE>, who asked for it, or an approver can cancel it",
    },
  ];

  it.each(cases)("$name", async ({ before = [], requestId = ID, decision, reason }) => {
    const { deps, snapshot } = await setup();
    for (const earlier of before) {
      expect(await decideRequest(deps, ID, earlier)).toBeUndefined();
    }
    const was = snapshot();

    expect(await decideRequest(deps, requestId, decision)).toBe(reason);

    expect(snapshot()).toEqual(was);
  });

  it("refuses to cancel a running job, and leaves it on the queue", async () => {
    const { deps, requests, snapshot } = await setup();
    await decideRequest(deps, ID, click("approve", BOB, 5));
    await requests.apply(ID, { kind: "job-started", at: afterT0(10) }, SAMPLE_POLICY);
    const was = snapshot();

    const refused = await decideRequest(deps, ID, click("cancel", ALICE, 12));

    expect(refused).toMatch(
      /^cannot cancel: the upgrade is running since 2026-11-26 12:10 UTC and downtime may have started/,
    );
    expect(snapshot()).toEqual(was);
  });
});

describe("decideRequest: simultaneous clicks make one decision", () => {
  it("queues one job for two approvals at once, and tells the other approver why not", async () => {
    const { deps, requests, jobs, chat } = await setup();

    const answers = await Promise.all([
      decideRequest(deps, ID, click("approve", BOB)),
      decideRequest(deps, ID, click("approve", DAVE)),
    ]);

    const winner = requests.byId.get(ID)?.approvedBy;
    expect(jobs.upgrades.map((job) => job.approvedBy)).toEqual([winner]);
    expect(chat.decisions).toHaveLength(1);
    expect(answers.filter((a) => a === undefined)).toHaveLength(1);
    expect(answers.find((a) => a !== undefined)).toBe(
      `already approved by <@${winner}> at 2026-11-26 12:05 UTC`,
    );
  });

  it("queues one job for two confirmations of an emergency at once", async () => {
    const request = sampleRequest({
      when: { kind: "now" },
      emergency: true,
      runWindow: { start: afterT0(0), end: afterT0(120) },
    });
    const { deps, jobs } = await setup(request);
    await decideRequest(deps, ID, click("approve", BOB, 5));

    const answers = await Promise.all([
      decideRequest(deps, ID, click("confirm-emergency", BOB, 6)),
      decideRequest(deps, ID, click("confirm-emergency", BOB, 6)),
    ]);

    expect(jobs.upgrades).toHaveLength(1);
    expect(answers.filter((a) => a === undefined)).toHaveLength(1);
    expect(answers.find((a) => a !== undefined)).toMatch(/^already approved by <@U0BOB>/);
  });
});

describe("cancelRequest", () => {
  it("cancels an approved request and takes its job off the queue", async () => {
    const { deps, requests, jobs, audit } = await setup();
    await decideRequest(deps, ID, click("approve", BOB, 5));

    const answer = await cancelRequest(deps, ID, ALICE, afterT0(8));

    expect(answer).toBe("Cancelled `r-0k3j9x2a`.");
    expect(requests.byId.get(ID)?.state).toBe("cancelled");
    expect(jobs.removed).toEqual([ID]);
    expect(audit.entries.map((e) => [e.who, e.what, e.detail])).toEqual([
      [BOB, "request-approve", "now approved"],
      [ALICE, "request-cancel", "now cancelled"],
    ]);
  });

  it("lets an approver cancel a pending request, which queues nothing", async () => {
    const { deps, requests, jobs } = await setup();

    expect(await cancelRequest(deps, ID, DAVE, afterT0(3))).toBe("Cancelled `r-0k3j9x2a`.");

    expect(requests.byId.get(ID)?.state).toBe("cancelled");
    expect(jobs.upgrades).toEqual([]);
  });

  it("answers a refused cancel with why, and removes nothing", async () => {
    const { deps, jobs, snapshot } = await setup();
    await decideRequest(deps, ID, click("reject", BOB, 5));
    const was = snapshot();

    const answer = await cancelRequest(deps, ID, ALICE, afterT0(8));

    expect(answer).toBe("rejected by <@U0BOB> at 2026-11-26 12:05 UTC");
    expect(jobs.removed).toEqual([]);
    expect(snapshot()).toEqual(was);
  });
});
