import { expect, it } from "vitest";
import { forgetTransaction } from "../../../src/kcm/commands.js";
import { runUpgrade } from "../../../src/runbook/run-upgrade.js";
import { detachedResult, FAKE_COMMANDS, fixtureResult } from "../../support/fake-host.js";
import { failedAt, fakeStandaloneRun } from "../../support/fake-standalone-run.js";

// Another yum (a check, a person) holding the lock for a moment must not fail
// an upgrade: with exit_on_lock yum changed nothing, so it is simply tried again.

it("prefetch: a held lock is waited out, then the upgrade goes on", async () => {
  const { job, host, run } = fakeStandaloneRun("req-lock-prefetch");
  host.on(host.prefetchCommand, () => fixtureResult("dnf/upgrade-rpmdb-locked"), 2);
  const outcome = await runUpgrade(job, run.deps);
  expect(outcome).toMatchObject({ kind: "upgraded" });
  expect(host.count(host.prefetchCommand)).toBe(3);
  expect(run.sleeps.filter((ms) => ms === 2000).length).toBeGreaterThanOrEqual(2);
});

it("upgrade: a held lock is waited out (its files cleared), and yum runs once more", async () => {
  const { job, host, run } = fakeStandaloneRun("req-lock-upgrade");
  host.on(host.upgradeCommand, () => detachedResult("dnf/upgrade-rpmdb-locked"), 1);
  const outcome = await runUpgrade(job, run.deps);
  expect(outcome).toMatchObject({ kind: "upgraded" });
  expect(host.count(host.upgradeCommand)).toBe(2);
  expect(host.commands.indexOf(forgetTransaction(job.requestId))).toBeLessThan(
    host.commands.lastIndexOf(host.upgradeCommand),
  );
});

it("a lock held longer than lockWaitMs fails the job before any downtime", async () => {
  const { job, host, run } = fakeStandaloneRun("req-lock-forever");
  host.on(host.prefetchCommand, () => fixtureResult("dnf/upgrade-rpmdb-locked"));
  const outcome = await runUpgrade(job, run.deps);
  expect(outcome).toMatchObject(
    failedAt("prefetch", "yum-lock", {
      downtimeStarted: false,
    }),
  );
});

it("verify asks yum history only after yum list has finished (two yums at once collide on the lock)", async () => {
  const { job, host, run } = fakeStandaloneRun("req-verify-order");
  let listRunning = false;
  let collided = false;
  let lists = 0;
  host.on(FAKE_COMMANDS.listUpdates, async () => {
    // The preflight's list shows the plan pending; verify's, nothing.
    if (lists++ === 0) return fixtureResult("dnf/list-updates-pending");
    listRunning = true;
    await new Promise((r) => setTimeout(r, 20));
    listRunning = false;
    return fixtureResult("dnf/list-updates-none");
  });
  let histories = 0;
  host.on(FAKE_COMMANDS.lastTransaction, () => {
    if (listRunning) collided = true;
    // Before the stop: the install (1); in verify: the upgrade (2).
    return { exitCode: 0, stdout: `Transaction ID : ${histories++ === 0 ? 1 : 2}\n` };
  });
  const outcome = await runUpgrade(job, run.deps);
  expect(outcome).toMatchObject({ kind: "upgraded", transactionId: 2 });
  expect(collided).toBe(false);
});
