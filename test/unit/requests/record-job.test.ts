import { describe, expect, it } from "vitest";
import type { JobOutcome } from "../../../src/chat/runbook-event.js";
import { BOT_ACTOR } from "../../../src/domain/upgrade-request.js";
import {
  isCancelled,
  type RecordJobDeps,
  recordJobFinished,
  recordJobStarted,
} from "../../../src/requests/record-job.js";
import {
  MemoryRequests,
  MemoryRolloutRuns,
  MemoryTaskQueue,
} from "../../support/in-memory-ports.js";
import {
  ALICE,
  afterT0,
  BOB,
  GUACD_CHANGE,
  SAMPLE_REQUEST_ID as ID,
  SAMPLE_POLICY,
  sampleRequest,
} from "../../support/sample-fleet.js";

/** The sample request's job: a single host's, known by the request id. */
const JOB = { requestId: ID, host: "web1" };

/** A request approved 5 minutes after it was made; the clock reads `clock.minutes` after that. */
async function setup() {
  const requests = new MemoryRequests();
  await requests.create(sampleRequest());
  await requests.apply(ID, { kind: "approve", by: BOB, at: afterT0(5) }, SAMPLE_POLICY);
  const clock = { minutes: 20 };
  const deps: RecordJobDeps = {
    policy: SAMPLE_POLICY,
    requests,
    runs: new MemoryRolloutRuns(),
    tasks: new MemoryTaskQueue(),
    now: () => afterT0(clock.minutes),
  };
  const stateOf = () => requests.byId.get(ID)?.state;
  return { deps, requests, clock, stateOf };
}

const services = [
  { unit: "guacamole", state: "active" },
  { unit: "guacd", state: "active" },
];

const upgraded: JobOutcome = {
  kind: "upgraded",
  changes: [GUACD_CHANGE],
  transactionId: 57,
  downtimeMs: 41_000,
  totalMs: 95_000,
  services,
  stillPending: [],
};

const failed: JobOutcome = {
  kind: "failed",
  step: "upgrade",
  code: "repo-unreachable",
  summary: "the KCM repository did not answer",
  evidence: ["Cannot download repomd.xml: Curl error (7)"],
  downtimeStarted: true,
  services,
  totalMs: 60_000,
};

describe("recordJobStarted", () => {
  it("marks an approved request running, at the clock's time", async () => {
    const { deps, requests, stateOf } = await setup();

    await recordJobStarted(deps, JOB);

    expect(stateOf()).toBe("running");
    expect(requests.byId.get(ID)?.history.at(-1)).toEqual({
      at: "2026-11-26T12:20:00.000Z",
      by: BOT_ACTOR,
      action: "started",
    });
  });

  it("changes nothing when a redelivered job starts again", async () => {
    const { deps, requests, clock } = await setup();
    await recordJobStarted(deps, JOB);
    const running = requests.byId.get(ID);

    clock.minutes = 25;
    await recordJobStarted(deps, JOB);

    expect(requests.byId.get(ID)).toBe(running);
  });

  it("leaves a cancelled request cancelled", async () => {
    const { deps, requests, stateOf } = await setup();
    await requests.apply(ID, { kind: "cancel", by: ALICE, at: afterT0(10) }, SAMPLE_POLICY);

    await recordJobStarted(deps, JOB);

    expect(stateOf()).toBe("cancelled");
  });
});

describe("recordJobFinished", () => {
  it.each<[string, JobOutcome, "succeeded" | "failed"]>([
    ["an upgrade", upgraded, "succeeded"],
    ["a job that found the host up to date", { kind: "up-to-date", totalMs: 3_000 }, "succeeded"],
    [
      "a job that stopped on plan drift",
      {
        kind: "plan-drift",
        difference: { added: ["kcm-guacamole.noarch"], removed: [], changed: [] },
        totalMs: 4_000,
      },
      "succeeded",
    ],
    ["a failure", failed, "failed"],
  ])("ends a running request after %s as %s", async (_, outcome, state) => {
    const { deps, requests, clock, stateOf } = await setup();
    await recordJobStarted(deps, JOB);
    clock.minutes = 40;

    await recordJobFinished(deps, JOB, outcome);

    expect(stateOf()).toBe(state);
    expect(requests.byId.get(ID)?.history.at(-1)).toEqual({
      at: "2026-11-26T12:40:00.000Z",
      by: BOT_ACTOR,
      action: state,
    });
  });

  it("ends an approved request whose job missed its window before it started", async () => {
    const { deps, stateOf } = await setup();
    const missed: JobOutcome = {
      kind: "window-missed",
      windowEnd: "2026-11-27T04:00:00.000Z",
      startedAt: "2026-11-27T04:12:00.000Z",
    };

    await recordJobFinished(deps, JOB, missed);

    expect(stateOf()).toBe("succeeded");
  });

  it("changes nothing when a redelivered job finishes again, even with another outcome", async () => {
    const { deps, requests } = await setup();
    await recordJobStarted(deps, JOB);
    await recordJobFinished(deps, JOB, upgraded);
    const finished = requests.byId.get(ID);

    await recordJobFinished(deps, JOB, upgraded);
    await recordJobFinished(deps, JOB, failed);

    expect(requests.byId.get(ID)).toBe(finished);
    expect(finished?.state).toBe("succeeded");
  });

  it("leaves a request cancelled before its job began cancelled", async () => {
    const { deps, requests, stateOf } = await setup();
    await requests.apply(ID, { kind: "cancel", by: ALICE, at: afterT0(10) }, SAMPLE_POLICY);

    await recordJobFinished(deps, JOB, { kind: "cancelled" });

    expect(stateOf()).toBe("cancelled");
  });
});

describe("isCancelled", () => {
  it("is true only for a cancelled request", async () => {
    const { deps, requests } = await setup();
    expect(await isCancelled(deps, JOB)).toBe(false);

    await requests.apply(ID, { kind: "cancel", by: ALICE, at: afterT0(10) }, SAMPLE_POLICY);

    expect(await isCancelled(deps, JOB)).toBe(true);
  });

  it("is false for a request that is not there", async () => {
    const { deps } = await setup();

    expect(await isCancelled(deps, { requestId: "r-unknown1", host: "web1" })).toBe(false);
  });
});
