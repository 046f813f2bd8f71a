import { expect, it } from "vitest";
import { describeOutcome } from "../../../src/chat/describe-outcome.js";
import { forgetTransaction, transactionStatus } from "../../../src/kcm/commands.js";
import { runUpgrade } from "../../../src/runbook/run-upgrade.js";
import {
  connectionError,
  detachedResult,
  FAKE_COMMANDS,
  type FakeHost,
  fixtureResult,
} from "../../support/fake-host.js";
import { failedAt, fakeStandaloneRun } from "../../support/fake-standalone-run.js";

// Once the services were stopped, every ending tries to start them again
// and says what state they are in (DESIGN.md: "Never leave services down").

const STOP = FAKE_COMMANDS.stopServices("standalone");
const START = FAKE_COMMANDS.startServices("standalone");
const STATE = FAKE_COMMANDS.servicesState("standalone");
const UP = [
  { unit: "guacamole", state: "active" },
  { unit: "guacd", state: "active" },
];

/** The commands sent after the first `command`. */
const after = (host: FakeHost, command: string) =>
  host.commands.slice(host.commands.indexOf(command) + 1);

it("yum exits 1 (disk full): the services are started again, and the outcome says so", async () => {
  const { job, host, run } = fakeStandaloneRun("req-disk");
  host.on(host.upgradeCommand, () => detachedResult("dnf/upgrade-disk-full"));

  const outcome = await runUpgrade(job, run.deps);

  expect(after(host, host.upgradeCommand)).toEqual([
    STATE,
    START,
    STATE,
    forgetTransaction(job.requestId),
  ]);
  expect(outcome).toMatchObject(
    failedAt("upgrade", "disk-space", {
      downtimeStarted: true,
      services: UP,
    }),
  );
  expect(host.servicesUp).toBe(true);
});

it("the connection drops as the stop ends: it reconnects, stops again to be sure, and upgrades", async () => {
  const { job, host, run } = fakeStandaloneRun("req-drop-stop");
  host.dropsConnectionOnce(STOP, () => {
    host.servicesUp = false;
  });

  const outcome = await runUpgrade(job, run.deps);

  expect(run.events).toContainEqual(
    expect.objectContaining({ type: "connection-lost", step: "stop" }),
  );
  expect(run.events).toContainEqual(expect.objectContaining({ type: "connection-restored" }));
  expect(host.count(STOP)).toBe(2);
  expect(host.count(host.upgradeCommand)).toBe(1);
  expect(outcome).toMatchObject({ kind: "upgraded", services: UP });
  expect(host.servicesUp).toBe(true);
});

it("the connection drops during yum and sshd is away for a while: yum finishes on the host, and the job with it", async () => {
  const { job, host, run } = fakeStandaloneRun("req-drop-yum");
  host.dropsConnectionOnce(host.upgradeCommand, () => {
    // The detached yum goes on without the connection, and finishes.
    host.upgraded = true;
    host.lastTransaction++;
    host.transaction = { exitCode: 0, log: "Complete!\n" };
    host.failConnects = 5;
  });

  const outcome = await runUpgrade(job, run.deps);

  // yum is never sent twice: the status files tell the new connection it finished.
  expect(host.count(host.upgradeCommand)).toBe(1);
  expect(host.commands).toContain(transactionStatus(job.requestId));
  expect(outcome).toMatchObject({ kind: "upgraded", transactionId: 7, services: UP });
  expect(run.journal).toContainEqual(
    expect.objectContaining({ step: "upgrade", event: "finished", exitCode: 0 }),
  );
  expect(run.audit.map((a) => a.what)).toEqual(
    expect.arrayContaining(["connection-lost", "connection-restored", "step-finished"]),
  );
});

it("sshd dies during the start, which worked: not a failure; the start again and the verify finish the job", async () => {
  const { job, host, run } = fakeStandaloneRun("req-drop-start");
  host.dropsConnectionOnce(START, () => {
    host.servicesUp = true;
  });

  const outcome = await runUpgrade(job, run.deps);

  expect(outcome).toMatchObject({ kind: "upgraded", services: UP });
  expect(host.count(host.upgradeCommand)).toBe(1);
});

it("the host never comes back: it tries until the window's end plus the margin, then says the services are DOWN", async () => {
  const { job, host, run } = fakeStandaloneRun("req-gone");
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
    servicesDown: {
      commands: [
        "systemctl start guacamole guacd",
        "systemctl is-active guacamole guacd",
        "yum history info   # did the upgrade finish? (its transaction comes after 6)",
      ],
    },
  });
  // It kept trying, with backoff capped at 5 s, until the window's end (21:00) plus 30 minutes.
  const lost = run.events.find((e) => e.type === "connection-lost");
  expect(lost).toMatchObject({ step: "upgrade", retryUntil: "2026-11-26T21:30:00.000Z" });
  expect(Math.max(...run.sleeps)).toBe(5000);
  expect(run.clock.now).toBeGreaterThanOrEqual(Date.parse("2026-11-26T21:30:00.000Z"));
  expect(describeOutcome(outcome)).toMatch(/^:rotating_light: THE SERVICES ARE DOWN\./);
});

it("a failing start is tried once more, and the outcome names the unit that is down", async () => {
  const { job, host, run } = fakeStandaloneRun("req-start");
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
  expect(outcome).toMatchObject(
    failedAt("start", "start-failed", {
      summary: `guacamole is failed after \`${START}\``,
      downtimeStarted: true,
      services: [
        { unit: "guacamole", state: "failed" },
        { unit: "guacd", state: "active" },
      ],
    }),
  );
});

it("the stop leaves a unit running: started again, the failure names it", async () => {
  const { job, host, run } = fakeStandaloneRun("req-still-up");
  host.on(STOP, () => ({}));

  const outcome = await runUpgrade(job, run.deps);

  expect(host.count(host.upgradeCommand)).toBe(0);
  expect(outcome).toMatchObject(
    failedAt("stop", "still-running", {
      summary: "the services did not stop: guacamole is active, guacd is active",
      downtimeStarted: true,
      services: UP,
    }),
  );
});

it("verify finds the old versions after the start: failed, with the units' state", async () => {
  const { job, host, run } = fakeStandaloneRun("req-verify");
  host.on(host.upgradeCommand, () => ({ stdout: "Nothing to do.\nComplete!\n" }));

  const outcome = await runUpgrade(job, run.deps);

  // The services are up already: the recovery reads them and starts nothing.
  expect(host.count(START)).toBe(1);
  expect(outcome).toMatchObject(
    failedAt("verify", "not-as-planned", {
      downtimeStarted: true,
      services: UP,
    }),
  );
});
