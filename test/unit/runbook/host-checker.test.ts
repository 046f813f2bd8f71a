import { describe, expect, it } from "vitest";
import { HELPER_ACCESS } from "../../../src/kcm/host-commands.js";
import { hostChecker } from "../../../src/runbook/host-checker.js";
import { FAKE_COMMANDS, FakeHost, fixtureResult } from "../../support/fake-host.js";
import { samplePlan } from "../../support/sample-fleet.js";

const target = (name: string) => ({ name, layout: "auto" as const, ...HELPER_ACCESS });

/** A checker over one fake host, waiting out yum's lock for `lockWaitMs`, asking every 5 ms. */
function checkerOf(host: FakeHost, lockWaitMs = 1000) {
  return hostChecker({
    connect: host.connect,
    commandTimeoutMs: 5000,
    concurrency: 4,
    lockWaitMs,
    lockPollMs: 5,
  });
}

/** Holds every `yum list updates` until `release` is called. */
function holdListUpdates(host: FakeHost): { release: () => void } {
  let release = () => {};
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  host.on(FAKE_COMMANDS.listUpdates, async () => {
    await held;
    return fixtureResult("dnf/list-updates-pending");
  });
  return { release };
}

describe("hostChecker: one check of a host at a time", () => {
  it("checks that overlap share one connection and one yum, and get the same answer", async () => {
    const host = new FakeHost("req-check", samplePlan("web1"));
    const { release } = holdListUpdates(host);
    const checker = checkerOf(host);

    const checks = Promise.all([
      checker.check(target("web1")),
      checker.check(target("web1")),
      checker.checkMany([target("web1")]),
    ]);
    release();
    const [a, b, [c]] = await checks;

    expect(host.connects).toBe(1);
    expect(host.count(FAKE_COMMANDS.listUpdates)).toBe(1);
    expect(a.problems).toEqual([]);
    expect(a.pending?.length).toBeGreaterThan(0);
    expect(b).toBe(a);
    expect(c).toBe(a);
  });

  it("a check asked for after the last one ended runs anew", async () => {
    const host = new FakeHost("req-check", samplePlan("web1"));
    const checker = checkerOf(host);

    await checker.check(target("web1"));
    await checker.check(target("web1"));

    expect(host.connects).toBe(2);
  });
});

describe("hostChecker: another yum's lock", () => {
  it("is waited out: yum is asked again until the lock is free, and no problem is reported", async () => {
    const host = new FakeHost("req-check", samplePlan("web1"));
    host.on(FAKE_COMMANDS.listUpdates, () => fixtureResult("dnf/list-updates-yum-lock"), 3);

    const check = await checkerOf(host).check(target("web1"));

    expect(host.count(FAKE_COMMANDS.listUpdates)).toBe(4);
    expect(check.problems).toEqual([]);
    expect(check.pending?.length).toBeGreaterThan(0);
  });

  it("held longer than the wait is a problem, in yum's words", async () => {
    const host = new FakeHost("req-check", samplePlan("web1"));
    host.on(FAKE_COMMANDS.listUpdates, () => fixtureResult("dnf/list-updates-yum-lock"));

    const check = await checkerOf(host, 50).check(target("web1"));

    expect(host.count(FAKE_COMMANDS.listUpdates)).toBeGreaterThan(1);
    expect(check.problems.map((p) => p.code)).toEqual(["yum-lock"]);
    expect(check.pending).toBeUndefined();
  });
});
