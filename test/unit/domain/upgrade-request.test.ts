import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { makeUpgradePlan } from "../../../src/domain/upgrade-plan.js";
import {
  type Action,
  type ApprovalPolicy,
  applyAction,
  BOT_ACTOR,
  type NewRequestInput,
  newRequest,
  type RequestState,
  TERMINAL_STATES,
  type UpgradeRequest,
} from "../../../src/domain/upgrade-request.js";

const REQUESTER = "UREQ";
const A1 = "UAPPROVER1";
const A2 = "UAPPROVER2";
/** An approver who also asks for upgrades. */
const BOTH = "UBOTH";
const OUTSIDER = "UOUTSIDER";
const policy: ApprovalPolicy = { approvers: new Set([A1, A2, BOTH]), expiryMinutes: 60 };

const T0 = new Date("2026-11-26T12:00:00Z");
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);
const plan = makeUpgradePlan("web1", [
  {
    name: "kcm-guacd",
    arch: "x86_64",
    from: { epoch: 0, version: "2.23.1", release: "1.el8" },
    to: { epoch: 0, version: "2.24.1", release: "1.el8" },
  },
]);
const input: NewRequestInput = {
  id: "r-0k3j9x2a",
  kind: "upgrade",
  host: "web1",
  plan,
  requestedBy: REQUESTER,
  channel: "C0KCMOPS",
  when: { kind: "next-window" },
  runWindow: { start: new Date("2026-11-28T01:00:00Z"), end: new Date("2026-11-28T04:00:00Z") },
  emergency: false,
};

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

const fresh = (changes: Partial<NewRequestInput> = {}) =>
  deepFreeze(newRequest({ ...input, ...changes }, policy, T0));

/** Applies actions that must succeed; returns the request and the enqueue flags. */
function run(request: UpgradeRequest, ...actions: Action[]) {
  const enqueued: boolean[] = [];
  let current = request;
  for (const action of actions) {
    const transition = applyAction(current, action, policy);
    if (!transition.ok) throw new Error(`${action.kind} refused: ${transition.reason}`);
    enqueued.push(transition.enqueue);
    current = deepFreeze(transition.request);
  }
  return { request: current, enqueued };
}

function refusal(request: UpgradeRequest, action: Action): string {
  const transition = applyAction(request, action, policy);
  if (transition.ok) throw new Error(`${action.kind} was accepted in state ${request.state}`);
  return transition.reason;
}

const approve = (by: string, minutes = 5): Action => ({ kind: "approve", by, at: at(minutes) });
const confirm = (by: string, minutes = 6): Action => ({
  kind: "confirm-emergency",
  by,
  at: at(minutes),
});
const reject = (by: string, minutes = 5, reason?: string): Action =>
  reason === undefined
    ? { kind: "reject", by, at: at(minutes) }
    : { kind: "reject", by, at: at(minutes), reason };
const cancel = (by: string, minutes = 5): Action => ({ kind: "cancel", by, at: at(minutes) });

describe("newRequest", () => {
  it("makes a pending request that expires after the policy's minutes", () => {
    // What it was given, its window as ISO text, and what it adds.
    expect(fresh()).toEqual({
      ...input,
      createdAt: "2026-11-26T12:00:00.000Z",
      expiresAt: "2026-11-26T13:00:00.000Z",
      runWindow: { start: "2026-11-28T01:00:00.000Z", end: "2026-11-28T04:00:00.000Z" },
      state: "pending",
      history: [{ at: "2026-11-26T12:00:00.000Z", by: REQUESTER, action: "requested" }],
    });
  });

  it("keeps a rollback's transaction and survives JSON unchanged", () => {
    const rollback = fresh({ kind: "rollback", transactionId: 42 });
    expect(rollback.transactionId).toBe(42);
    expect(JSON.parse(JSON.stringify(rollback))).toEqual(rollback);
    expect("transactionId" in fresh()).toBe(false);
  });

  it.each<[string, Partial<NewRequestInput>, RegExp]>([
    ["a malformed id", { id: "R 1" }, /request id/],
    ["a malformed host", { host: "Web1" }, /host "Web1"/],
    ["a plan for another host", { host: "web2" }, /the plan is for "web1", not "web2"/],
    ["a rollback without a transaction", { kind: "rollback" }, /only a rollback/],
    ["an upgrade with a transaction", { transactionId: 7 }, /only a rollback/],
    ["a transaction id of 0", { kind: "rollback", transactionId: 0 }, /not a positive/],
    ["no requester", { requestedBy: "" }, /requester/],
    ["a window that ends first", { runWindow: { start: at(10), end: at(10) } }, /run window/],
  ])("throws for %s", (_name, changes, message) => {
    expect(() => fresh(changes)).toThrow(message);
  });

  it("throws for a policy without a positive expiry", () => {
    expect(() => newRequest(input, { ...policy, expiryMinutes: 0 }, T0)).toThrow(/expiry/);
  });
});

describe("approve", () => {
  it("approves a normal request and enqueues it once", () => {
    const { request, enqueued } = run(fresh(), approve(A1));
    expect(request.state).toBe("approved");
    expect(request.approvedBy).toBe(A1);
    expect(enqueued).toEqual([true]);
    expect(request.history.at(-1)).toEqual({ at: at(5).toISOString(), by: A1, action: "approved" });
    expect(refusal(request, approve(A2, 6))).toBe(
      "already approved by <@UAPPROVER1> at 2026-11-26 12:05 UTC",
    );
  });

  it("is for approvers only", () => {
    expect(refusal(fresh(), approve(OUTSIDER))).toBe(
      "only approvers can approve this upgrade, and <@UOUTSIDER> is not one",
    );
  });

  it("is never for the requester, even one who is an approver", () => {
    const own = fresh({ requestedBy: BOTH });
    expect(refusal(own, approve(BOTH))).toBe(
      "<@UBOTH> asked for this upgrade: nobody approves their own request, another approver must",
    );
    expect(refusal(fresh(), approve(REQUESTER))).toMatch(/^<@UREQ> asked for this upgrade/);
    expect(run(own, approve(A1)).request.state).toBe("approved");
  });

  it("is refused from the expiry on; `expire` then makes the request expired", () => {
    const request = fresh();
    expect(run(request, approve(A1, 59.99)).request.state).toBe("approved");
    expect(refusal(request, approve(A1, 60))).toBe(
      "expired at 2026-11-26 13:00 UTC: ask again with /kcm upgrade web1",
    );
    const expired = run(request, { kind: "expire", at: at(61) }).request;
    expect(expired.state).toBe("expired");
    expect(expired.history.at(-1)).toEqual({
      at: at(61).toISOString(),
      by: BOT_ACTOR,
      action: "expired",
    });
    expect(refusal(expired, approve(A1, 62))).toBe(
      "expired at 2026-11-26 13:00 UTC without a decision",
    );
  });

  it("says so for a rollback", () => {
    const rollback = fresh({ kind: "rollback", transactionId: 9 });
    expect(refusal(rollback, approve(A1, 61))).toBe(
      "expired at 2026-11-26 13:00 UTC: ask again with /kcm rollback web1",
    );
  });
});

describe("emergency approval", () => {
  const emergency = () => fresh({ when: { kind: "now" }, emergency: true });

  it("takes an approval and the same approver's confirmation, and enqueues on the second", () => {
    const first = run(emergency(), approve(A1));
    expect(first.request.state).toBe("awaiting-emergency");
    expect(first.request.approvedBy).toBe(A1);
    expect(first.enqueued).toEqual([false]);
    expect(first.request.history.at(-1)?.note).toMatch(/emergency outside the maintenance window/);

    const second = run(first.request, confirm(A1));
    expect(second.request.state).toBe("approved");
    expect(second.enqueued).toEqual([true]);
    expect(second.request.history.map((entry) => entry.action)).toEqual([
      "requested",
      "approved",
      "confirmed-emergency",
    ]);
    expect(refusal(second.request, confirm(A1, 7))).toBe(
      "already approved by <@UAPPROVER1> at 2026-11-26 12:06 UTC",
    );
  });

  it("refuses another approver's confirmation, the requester's and an outsider's", () => {
    const waiting = run(emergency(), approve(A1)).request;
    expect(refusal(waiting, confirm(A2))).toBe(
      "only <@UAPPROVER1>, who approved it, can confirm the emergency",
    );
    expect(refusal(waiting, confirm(REQUESTER))).toMatch(/^<@UREQ> asked for this upgrade/);
    expect(refusal(waiting, confirm(OUTSIDER))).toMatch(/^only approvers can confirm/);
  });

  it("refuses a second approval while waiting for the confirmation", () => {
    const waiting = run(emergency(), approve(A1)).request;
    expect(refusal(waiting, approve(A2, 6))).toBe(
      "already approved by <@UAPPROVER1> at 2026-11-26 12:05 UTC; waiting for <@UAPPROVER1> to confirm the emergency",
    );
  });

  it("has nothing to confirm before the approval, or for a normal request", () => {
    expect(refusal(emergency(), confirm(A1))).toBe(
      "nothing to confirm yet: approve the request first",
    );
    expect(refusal(fresh(), confirm(A1))).toBe(
      "this request is not an emergency: approve it instead",
    );
  });

  it("refuses a confirmation after the expiry, and expires while waiting", () => {
    const waiting = run(emergency(), approve(A1)).request;
    expect(refusal(waiting, confirm(A1, 60))).toMatch(/^expired at 2026-11-26 13:00 UTC/);
    expect(run(waiting, { kind: "expire", at: at(60) }).request.state).toBe("expired");
  });

  it("can be rejected by another approver while waiting", () => {
    const waiting = run(emergency(), approve(A1)).request;
    const rejected = run(waiting, reject(A2, 6, "not tonight")).request;
    expect(rejected.state).toBe("rejected");
    expect(refusal(rejected, confirm(A1, 7))).toBe(
      "rejected by <@UAPPROVER2> at 2026-11-26 12:06 UTC: not tonight",
    );
  });
});

describe("reject", () => {
  it("records the approver's reason, and later clicks say who rejected it", () => {
    const { request, enqueued } = run(fresh(), reject(A2, 5, "  plan is stale "));
    expect(request.state).toBe("rejected");
    expect(enqueued).toEqual([false]);
    expect(request.history.at(-1)).toEqual({
      at: at(5).toISOString(),
      by: A2,
      action: "rejected",
      note: "plan is stale",
    });
    expect(refusal(request, approve(A1, 6))).toBe(
      "rejected by <@UAPPROVER2> at 2026-11-26 12:05 UTC: plan is stale",
    );
  });

  it("records no note without a reason", () => {
    expect(run(fresh(), reject(A2)).request.history.at(-1)).not.toHaveProperty("note");
    expect(run(fresh(), reject(A2, 5, "  ")).request.history.at(-1)).not.toHaveProperty("note");
  });

  it("is for approvers other than the requester, before the expiry", () => {
    expect(refusal(fresh(), reject(REQUESTER))).toBe(
      "<@UREQ> asked for this upgrade: use Cancel to withdraw it",
    );
    expect(refusal(fresh(), reject(OUTSIDER))).toMatch(/^only approvers can reject this upgrade/);
    expect(refusal(fresh(), reject(A1, 60))).toMatch(/^expired at/);
  });
});

describe("cancel", () => {
  const emergencyWaiting = () =>
    run(fresh({ when: { kind: "now" }, emergency: true }), approve(A1)).request;
  it.each<[string, string, () => UpgradeRequest, number]>([
    ["the requester, while pending", REQUESTER, fresh, 10],
    ["an approver, while pending", A2, fresh, 10],
    ["the requester, after the expiry but before `expire`", REQUESTER, fresh, 90],
    ["the requester, while awaiting the emergency confirmation", REQUESTER, emergencyWaiting, 10],
    [
      "an approver, once approved (not yet running)",
      A2,
      () => run(fresh(), approve(A1)).request,
      10,
    ],
  ])("is allowed for %s", (_name, by, setUp, minutes) => {
    const { request, enqueued } = run(setUp(), cancel(by, minutes));
    expect(request.state).toBe("cancelled");
    expect(enqueued).toEqual([false]);
    expect(request.history.at(-1)).toEqual({
      at: at(minutes).toISOString(),
      by,
      action: "cancelled",
    });
    expect(refusal(request, approve(A1, 95))).toBe(
      `cancelled by <@${by}> at ${at(minutes).toISOString().slice(0, 16).replace("T", " ")} UTC`,
    );
  });

  it("is not for anyone else", () => {
    expect(refusal(fresh(), cancel(OUTSIDER))).toBe(
      "only <@UREQ>, who asked for it, or an approver can cancel it",
    );
  });

  it("is refused once the job runs: downtime may have started", () => {
    const running = run(fresh(), approve(A1), { kind: "job-started", at: at(30) }).request;
    expect(refusal(running, cancel(REQUESTER, 31))).toBe(
      "cannot cancel: the upgrade is running since 2026-11-26 12:30 UTC and downtime may have started; it finishes on its own and reports here",
    );
  });

  it("is allowed while the running job waits for sessions to end, and refused once the wait is over", () => {
    const running = run(fresh(), approve(A1), { kind: "job-started", at: at(30) }).request;
    const draining = run(running, { kind: "drain-started", at: at(31), sessions: 2 }).request;
    expect(draining.state).toBe("running");
    expect(draining.history.at(-1)).toEqual({
      at: at(31).toISOString(),
      by: BOT_ACTOR,
      action: "draining",
      note: "waiting for 2 active sessions to end before the stop",
    });
    expect(refusal(draining, { kind: "drain-started", at: at(32), sessions: 1 })).toBe(
      "already waiting for sessions to end",
    );
    // A cancel first: the wait's end is refused, so the job stops nothing.
    const cancelled = run(draining, cancel(REQUESTER, 33)).request;
    expect(cancelled.state).toBe("cancelled");
    expect(cancelled.history.at(-1)?.note).toBe(
      "while waiting for sessions to end: nothing was stopped",
    );
    expect(refusal(cancelled, { kind: "drain-ended", at: at(34) })).toMatch(
      /^cannot stop: cancelled by <@UREQ>/,
    );
    // The wait's end first: the cancel is refused, as for any running job.
    const stopping = run(draining, { kind: "drain-ended", at: at(33) }).request;
    expect(refusal(stopping, cancel(REQUESTER, 34))).toBe(
      "cannot cancel: the upgrade is running since 2026-11-26 12:30 UTC and downtime may have started; it finishes on its own and reports here",
    );
  });

  it("is refused on a cancelled or finished request", () => {
    const cancelled = run(fresh(), cancel(REQUESTER)).request;
    expect(refusal(cancelled, cancel(A1, 6))).toBe("cancelled by <@UREQ> at 2026-11-26 12:05 UTC");
  });
});

describe("expire", () => {
  it("waits for the expiry and leaves decided requests alone", () => {
    expect(refusal(fresh(), { kind: "expire", at: at(59) })).toBe(
      "not expired yet: it expires at 2026-11-26 13:00 UTC",
    );
    const approved = run(fresh(), approve(A1)).request;
    expect(refusal(approved, { kind: "expire", at: at(61) })).toMatch(/^already approved by/);
  });
});

describe("the job", () => {
  const approved = () => run(fresh(), approve(A1)).request;

  it("moves approved to running to succeeded or failed", () => {
    const started = run(approved(), { kind: "job-started", at: at(30) });
    expect(started.request.state).toBe("running");
    expect(started.enqueued).toEqual([false]);
    expect(started.request.history.at(-1)).toEqual({
      at: at(30).toISOString(),
      by: BOT_ACTOR,
      action: "started",
    });
    const ok = run(started.request, { kind: "job-finished", at: at(40), ok: true }).request;
    expect(ok.state).toBe("succeeded");
    const failed = run(started.request, { kind: "job-finished", at: at(40), ok: false }).request;
    expect(failed.state).toBe("failed");
    expect(refusal(ok, approve(A2, 41))).toBe(
      "already finished: succeeded at 2026-11-26 12:40 UTC",
    );
    expect(refusal(failed, cancel(REQUESTER, 41))).toBe(
      "already finished: failed at 2026-11-26 12:40 UTC",
    );
  });

  it("lets a job that ends before it starts (window missed) finish an approved request", () => {
    const missed = run(approved(), { kind: "job-finished", at: at(30), ok: false }).request;
    expect(missed.state).toBe("failed");
  });

  it("does not start or finish a request that is not approved", () => {
    expect(refusal(fresh(), { kind: "job-started", at: at(1) })).toBe(
      "cannot start: it has not been approved yet",
    );
    expect(refusal(fresh(), { kind: "job-finished", at: at(1), ok: true })).toBe(
      "cannot finish: it has not been approved yet",
    );
    const running = run(approved(), { kind: "job-started", at: at(30) }).request;
    expect(refusal(running, { kind: "job-started", at: at(31) })).toBe(
      "cannot start: already running since 2026-11-26 12:30 UTC",
    );
  });
});

describe("applyAction, properties", () => {
  const ALLOWED = new Set([
    "pending>awaiting-emergency",
    "pending>approved",
    "pending>rejected",
    "pending>cancelled",
    "pending>expired",
    "awaiting-emergency>approved",
    "awaiting-emergency>rejected",
    "awaiting-emergency>cancelled",
    "awaiting-emergency>expired",
    "approved>running",
    "approved>cancelled",
    "approved>succeeded",
    "approved>failed",
    "running>succeeded",
    "running>failed",
  ]);
  const actor = fc.constantFrom(REQUESTER, A1, A2, BOTH, OUTSIDER);
  const time = fc.integer({ min: 0, max: 120 }).map(at);
  const action: fc.Arbitrary<Action> = fc.oneof(
    fc.record({ kind: fc.constant("approve" as const), by: actor, at: time }),
    fc.record({ kind: fc.constant("confirm-emergency" as const), by: actor, at: time }),
    fc.record({ kind: fc.constant("reject" as const), by: actor, at: time }),
    fc.record({ kind: fc.constant("cancel" as const), by: actor, at: time }),
    fc.record({ kind: fc.constant("expire" as const), at: time }),
    fc.record({ kind: fc.constant("job-started" as const), at: time }),
    fc.record({ kind: fc.constant("job-finished" as const), at: time, ok: fc.boolean() }),
  );
  const start = fc
    .record({ emergency: fc.boolean(), requestedBy: fc.constantFrom(REQUESTER, BOTH) })
    .map(({ emergency, requestedBy }) =>
      fresh({
        emergency,
        requestedBy,
        when: emergency ? { kind: "now" } : { kind: "next-window" },
      }),
    );

  it("never leaves a terminal state, enqueues at most once, and only appends to the history", () => {
    fc.assert(
      fc.property(start, fc.array(action, { maxLength: 25 }), (initial, actions) => {
        let request = initial;
        let enqueues = 0;
        for (const next of actions) {
          const before: RequestState = request.state;
          const transition = applyAction(request, next, policy);
          if (TERMINAL_STATES.has(before)) expect(transition.ok).toBe(false);
          if (!transition.ok) {
            expect(transition.reason.length).toBeGreaterThan(0);
            continue;
          }
          if (transition.enqueue) enqueues++;
          const after = deepFreeze(transition.request);
          expect(ALLOWED).toContain(`${before}>${after.state}`);
          expect(after.history.slice(0, -1)).toEqual(request.history);
          expect(after.history).toHaveLength(request.history.length + 1);
          expect(after.approvedBy).not.toBe(after.requestedBy);
          request = after;
        }
        expect(enqueues).toBeLessThanOrEqual(1);
        const queued = request.history.some(
          (e) => e.action === (request.emergency ? "confirmed-emergency" : "approved"),
        );
        expect(enqueues).toBe(queued ? 1 : 0);
      }),
      { numRuns: 2000 },
    );
  });
});
