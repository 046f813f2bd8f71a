import { expect, it } from "vitest";
import { runUpgrade } from "../../../src/runbook/run-upgrade.js";
import { LockLostError } from "../../../src/runbook/runbook-failure.js";
import type { JournalEntry } from "../../../src/runbook/runbook-ports.js";
import { detachedResult, FAKE_COMMANDS } from "../../support/fake-host.js";
import { fakeStandaloneRun } from "../../support/fake-standalone-run.js";

// A stale worker (another one took the host over) learns it from the fenced
// journal, or from the lock's renewal, and must stop touching the host at
// once: runRunbook rejects with LockLostError and sends nothing more.

const STOP = FAKE_COMMANDS.stopServices("standalone");
const START = FAKE_COMMANDS.startServices("standalone");

const setUp = (requestId: string, refuseAppend: (entry: JournalEntry) => boolean) =>
  fakeStandaloneRun(requestId, { refuseAppend });

const at =
  (step: string, event = "started") =>
  (e: JournalEntry) =>
    e.step === step && e.event === event;

it("refused from the first entry: rejects, and never connects", async () => {
  const { job, host, run } = setUp("req-stale-0", () => true);
  await expect(runUpgrade(job, run.deps)).rejects.toBeInstanceOf(LockLostError);
  expect(host.connects).toBe(0);
  expect(run.journal).toEqual([]);
});

it("refused as the stop begins: the stop is never sent", async () => {
  const { job, host, run } = setUp("req-stale-stop", at("stop"));
  await expect(runUpgrade(job, run.deps)).rejects.toBeInstanceOf(LockLostError);
  expect(host.commands).toContain(host.prefetchCommand);
  expect(host.count(STOP)).toBe(0);
  expect(host.servicesUp).toBe(true);
});

it("refused as yum would begin: no yum, no start (the new holder does that), connection closed", async () => {
  const { job, host, run } = setUp("req-stale-yum", at("upgrade"));
  await expect(runUpgrade(job, run.deps)).rejects.toMatchObject({
    name: "LockLostError",
    code: "lock-lost",
  });
  expect(host.commands.slice(-2)).toEqual([STOP, FAKE_COMMANDS.servicesState("standalone")]);
  expect(host.count(host.upgradeCommand)).toBe(0);
  expect(host.count(START)).toBe(0);
  expect(run.journal.at(-1)).toMatchObject({ step: "stop", event: "finished" });
  expect(host.closes).toBe(host.connects);
});

it("refused during the recovery after a failed yum: rejects instead of a failed outcome", async () => {
  const { job, host, run } = setUp("req-stale-recovery", at("start"));
  host.on(host.upgradeCommand, () => detachedResult("dnf/upgrade-disk-full"));
  await expect(runUpgrade(job, run.deps)).rejects.toBeInstanceOf(LockLostError);
  expect(host.count(START)).toBe(0);
  expect(run.journal.some((e) => e.step === "job")).toBe(false);
  expect(host.closes).toBe(host.connects);
});

it("refused when the outcome is written: rejects, connection closed", async () => {
  const { job, host, run } = setUp("req-stale-outcome", at("job", "outcome"));
  await expect(runUpgrade(job, run.deps)).rejects.toBeInstanceOf(LockLostError);
  expect(host.count(START)).toBe(1);
  expect(host.closes).toBe(host.connects);
});

it("a lock renewal that failed before the stop: rejects without stopping anything", async () => {
  let held = true;
  const { job, host, run } = fakeStandaloneRun("req-renewal-lost", { holdsLock: () => held });
  host.on(host.prefetchCommand, () => {
    // The keepAlive's renewal found another holder while the prefetch ran.
    held = false;
    return {};
  });

  await expect(runUpgrade(job, run.deps)).rejects.toThrow(
    "the host lock was lost before the stop step",
  );
  expect(host.commands.at(-1)).toBe(host.prefetchCommand);
  expect(host.count(STOP)).toBe(0);
  expect(run.journal.some((e) => e.step === "job")).toBe(false);
  expect(host.closes).toBe(host.connects);
});
