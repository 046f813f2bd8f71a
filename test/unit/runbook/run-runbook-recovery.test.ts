import { expect, it } from "vitest";
import { forgetTransaction } from "../../../src/kcm/commands.js";
import { runUpgrade } from "../../../src/runbook/run-upgrade.js";
import {
  connectionError,
  detachedResult,
  FAKE_COMMANDS,
  FakeHost,
  fixtureResult,
} from "../../support/fake-host.js";
import { fakeRunbookDeps } from "../../support/fake-runbook-deps.js";
import { standaloneUpgradeJob } from "../../support/standalone-upgrade-job.js";

// Once the services were stopped, every ending tries to start them again
// and says what state they are in (DESIGN.md: "Never leave services down").

const STOP = FAKE_COMMANDS.stopServices("standalone");
const START = FAKE_COMMANDS.startServices("standalone");
const STATE = FAKE_COMMANDS.servicesState("standalone");
const UP = [
  { unit: "guacamole", state: "active" },
  { unit: "guacd", state: "active" },
];

function setUp(requestId: string) {
  const job = standaloneUpgradeJob(requestId);
  const host = new FakeHost(job.requestId, job.plan);
  return { job, host, run: fakeRunbookDeps(host) };
}

/** The commands sent after the first `command`. */
const after = (host: FakeHost, command: string) =>
  host.commands.slice(host.commands.indexOf(command) + 1);

it("yum exits 1 (disk full): the services are started again, and the outcome says so", async () => {
  const { job, host, run } = setUp("req-disk");
  host.on(host.upgradeCommand, () => detachedResult("dnf/upgrade-disk-full"));

  const outcome = await runUpgrade(job, run.deps);

  expect(after(host, host.upgradeCommand)).toEqual([
    STATE,
    START,
    STATE,
    forgetTransaction(job.requestId),
  ]);
  expect(outcome).toMatchObject({
    kind: "failed",
    step: "upgrade",
    code: "disk-space",
    downtimeStarted: true,
    services: UP,
  });
  expect(host.servicesUp).toBe(true);
});

it("the connection drops as the stop ends: a new connection starts the services", async () => {
  const { job, host, run } = setUp("req-drop-stop");
  host.on(STOP, () => {
    host.servicesUp = false;
    throw connectionError("dropped");
  });

  const outcome = await runUpgrade(job, run.deps);

  expect(host.connects).toBe(2);
  expect(after(host, STOP)).toEqual([STATE, START, STATE, forgetTransaction(job.requestId)]);
  expect(host.count(host.upgradeCommand)).toBe(0);
  expect(outcome).toMatchObject({
    kind: "failed",
    step: "stop",
    code: "dropped",
    downtimeStarted: true,
    services: UP,
  });
});

it("the connection drops during yum and the host is unreachable for a while: still started", async () => {
  const { job, host, run } = setUp("req-drop-yum");
  host.on(host.upgradeCommand, () => {
    host.failConnects = 2;
    throw connectionError("dropped");
  });

  const outcome = await runUpgrade(job, run.deps);

  // yum is never sent twice; the services are started over the first connection that works.
  expect(host.count(host.upgradeCommand)).toBe(1);
  expect(after(host, host.upgradeCommand)).toEqual([
    STATE,
    START,
    STATE,
    forgetTransaction(job.requestId),
  ]);
  expect(outcome).toMatchObject({
    kind: "failed",
    step: "upgrade",
    code: "refused",
    downtimeStarted: true,
    services: UP,
  });
});

it("the host never comes back: the outcome says the units' state is unknown", async () => {
  const { job, host, run } = setUp("req-gone");
  host.on(host.upgradeCommand, () => {
    host.failConnects = Number.POSITIVE_INFINITY;
    throw connectionError("dropped");
  });

  const outcome = await runUpgrade(job, run.deps);

  const unknown = "unknown (the host cannot be reached)";
  expect(outcome).toMatchObject({
    kind: "failed",
    step: "upgrade",
    downtimeStarted: true,
    services: [
      { unit: "guacamole", state: unknown },
      { unit: "guacd", state: unknown },
    ],
  });
  // It tried to start them (twice: over the old connection and a new one).
  const starts = run.events.filter((e) => e.type === "step-started" && e.step === "start");
  expect(starts).toHaveLength(2);
  expect(starts[0]).toMatchObject({ command: START });
});

it("a failing start is tried once more, and the outcome names the unit that is down", async () => {
  const { job, host, run } = setUp("req-start");
  let startFailed = false;
  host.on(START, () => {
    startFailed = true;
    return fixtureResult("systemctl/start-guacamole-fails");
  });
  host.on(STATE, () =>
    fixtureResult(
      startFailed
        ? "systemctl/is-active-standalone-guacamole-failed"
        : "systemctl/is-active-standalone-stopped",
    ),
  );

  const outcome = await runUpgrade(job, run.deps);

  expect(after(host, host.upgradeCommand)).toEqual([
    START,
    STATE,
    STATE,
    START,
    STATE,
    forgetTransaction(job.requestId),
  ]);
  expect(outcome).toMatchObject({
    kind: "failed",
    step: "start",
    code: "start-failed",
    summary: `guacamole is failed after \`${START}\``,
    downtimeStarted: true,
    services: [
      { unit: "guacamole", state: "failed" },
      { unit: "guacd", state: "active" },
    ],
  });
});

it("the stop leaves a unit running: started again, the failure names it", async () => {
  const { job, host, run } = setUp("req-still-up");
  host.on(STOP, () => ({}));

  const outcome = await runUpgrade(job, run.deps);

  expect(host.count(host.upgradeCommand)).toBe(0);
  expect(outcome).toMatchObject({
    kind: "failed",
    step: "stop",
    code: "still-running",
    summary: "the services did not stop: guacamole is active, guacd is active",
    downtimeStarted: true,
    services: UP,
  });
});

it("verify finds the old versions after the start: failed, with the units' state", async () => {
  const { job, host, run } = setUp("req-verify");
  host.on(host.upgradeCommand, () => ({ stdout: "Nothing to do.\nComplete!\n" }));

  const outcome = await runUpgrade(job, run.deps);

  // The services are up already: the recovery reads them and starts nothing.
  expect(host.count(START)).toBe(1);
  expect(outcome).toMatchObject({
    kind: "failed",
    step: "verify",
    code: "not-as-planned",
    downtimeStarted: true,
    services: UP,
  });
});
