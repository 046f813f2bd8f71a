import { describe, expect, it } from "vitest";
import {
  type HostRun,
  nextRolloutStep,
  type RolloutHost,
  type RolloutPolicy,
  rolloutBatches,
} from "../../../src/domain/rollout.js";
import { makeFleetPlan, makeUpgradePlan } from "../../../src/domain/upgrade-plan.js";
import { SAMPLE_PENDING } from "../../support/sample-fleet.js";

const NOW = new Date("2026-11-27T02:00:00Z");
const WINDOW = { start: "2026-11-27T01:00:00.000Z", end: "2026-11-27T04:00:00.000Z" };

const host = (name: string, window = WINDOW): RolloutHost => ({
  host: name,
  plan: makeUpgradePlan(name, SAMPLE_PENDING),
  runWindow: window,
});
const HOSTS = ["h1", "h2", "h3", "h4", "h5", "h6"].map((n) => host(n));
const POLICY: RolloutPolicy = { canary: 1, maxParallel: 2, onFailure: "stop" };

const done = (ending: "upgraded" | "failed" = "upgraded"): HostRun => ({
  state: "done",
  ending,
  at: NOW.toISOString(),
});
const running: HostRun = { state: "running", at: NOW.toISOString() };

function step(
  runs: Record<string, HostRun>,
  options: Partial<{ policy: RolloutPolicy; stoppedBy: string; hosts: RolloutHost[] }> = {},
) {
  return nextRolloutStep({
    rollout: { hosts: options.hosts ?? HOSTS, policy: options.policy ?? POLICY },
    runs: new Map(Object.entries(runs)),
    ...(options.stoppedBy ? { stoppedBy: options.stoppedBy } : {}),
    now: NOW,
  });
}

describe("rolloutBatches", () => {
  it("puts the canary alone first, then maxParallel at a time, in order", () => {
    expect(rolloutBatches(["a", "b", "c", "d", "e", "f"], POLICY)).toEqual([
      ["a"],
      ["b", "c"],
      ["d", "e"],
      ["f"],
    ]);
  });

  it("with no canary starts with a full batch; a canary larger than the fleet is the fleet", () => {
    expect(rolloutBatches(["a", "b", "c"], { ...POLICY, canary: 0 })).toEqual([["a", "b"], ["c"]]);
    expect(rolloutBatches(["a", "b"], { ...POLICY, canary: 5 })).toEqual([["a", "b"]]);
  });
});

describe("nextRolloutStep", () => {
  it("starts the canary alone, then waits for it", () => {
    expect(step({})).toEqual({ kind: "start", hosts: ["h1"], notStarted: [] });
    expect(step({ h1: running })).toEqual({ kind: "wait" });
  });

  it("starts the next batch only when every host before it is settled", () => {
    expect(step({ h1: done() })).toEqual({ kind: "start", hosts: ["h2", "h3"], notStarted: [] });
    expect(step({ h1: done(), h2: done(), h3: running })).toEqual({ kind: "wait" });
    expect(step({ h1: done(), h2: done(), h3: done() })).toMatchObject({ hosts: ["h4", "h5"] });
  });

  it("stops after a failure: hosts in flight finish, then the rest are never started", () => {
    expect(step({ h1: done(), h2: done("failed"), h3: running })).toEqual({ kind: "wait" });
    expect(step({ h1: done(), h2: done("failed"), h3: done() })).toEqual({
      kind: "finish",
      ok: false,
      notStarted: ["h4", "h5", "h6"].map((h) => ({ host: h, reason: "stopped: h2 failed" })),
    });
  });

  it("with onFailure: continue goes on after a failure, and the rollout is not ok", () => {
    const policy = { ...POLICY, onFailure: "continue" as const };
    expect(step({ h1: done("failed") }, { policy })).toMatchObject({ hosts: ["h2", "h3"] });
    const all = Object.fromEntries(HOSTS.map((h) => [h.host, done()]));
    expect(step({ ...all, h1: done("failed") }, { policy })).toEqual({
      kind: "finish",
      ok: false,
      notStarted: [],
    });
  });

  it("a cancel starts nothing more, and names who cancelled", () => {
    const stoppedBy = "cancelled by <@U0BOB>";
    expect(step({ h1: running }, { stoppedBy })).toEqual({ kind: "wait" });
    const finish = step({ h1: done() }, { stoppedBy });
    expect(finish).toMatchObject({ kind: "finish", ok: true });
    expect(finish.kind === "finish" && finish.notStarted.map((n) => n.reason)).toEqual(
      Array(5).fill(stoppedBy),
    );
  });

  it("a host whose window has closed by its turn is not started; the others in its batch go", () => {
    const closed = { start: "2026-11-26T01:00:00.000Z", end: "2026-11-26T04:00:00.000Z" };
    const hosts = [host("h1"), host("h2", closed), host("h3")];
    expect(step({ h1: done() }, { hosts })).toEqual({
      kind: "start",
      hosts: ["h3"],
      notStarted: [{ host: "h2", reason: "window closed" }],
    });
  });

  it("finishes ok when every host ended without a failure", () => {
    const all = Object.fromEntries(HOSTS.map((h) => [h.host, done()]));
    expect(step(all)).toEqual({ kind: "finish", ok: true, notStarted: [] });
  });
});

describe("makeFleetPlan", () => {
  it("binds every host's plan: another version on one host is another hash", () => {
    const plans = HOSTS.slice(0, 2).map((h) => h.plan);
    const fleet = makeFleetPlan("web", plans);
    expect(fleet).toMatchObject({ host: "web", packages: [] });
    const [first, second] = plans;
    if (!first || !second) throw new Error("two plans");
    const other = makeUpgradePlan("h2", SAMPLE_PENDING.slice(0, 1));
    expect(makeFleetPlan("web", [first, other]).hash).not.toBe(fleet.hash);
    expect(makeFleetPlan("web", [first, second]).hash).toBe(fleet.hash);
  });
});
