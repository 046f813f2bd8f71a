import { describe, expect, it } from "vitest";
import type { UpgradeJob } from "../../../src/domain/upgrade-job.js";
import { QUERY_INSTALLED, transactionStatus } from "../../../src/kcm/commands.js";
import { runUpgrade } from "../../../src/runbook/run-upgrade.js";
import type { JournalEntry } from "../../../src/runbook/runbook-ports.js";
import { FAKE_COMMANDS, FakeHost } from "../../support/fake-host.js";
import { fakeRunbookDeps } from "../../support/fake-runbook-deps.js";
import { failedAt } from "../../support/fake-standalone-run.js";
import { standaloneUpgradeJob } from "../../support/standalone-upgrade-job.js";

// A redelivered job (its worker died) reads its journal and the host's real
// state, and never sends the yum transaction a second time.

const START = FAKE_COMMANDS.startServices("standalone");
const UP = [
  { unit: "guacamole", state: "active" },
  { unit: "guacd", state: "active" },
];
const STATE = FAKE_COMMANDS.servicesState("standalone");

/**
 * Plays a worker that dies once it has sent `command`: runs the job until
 * then (the command never answers) and gives back what its journal holds.
 */
async function journalOfWorkerDyingAt(
  job: UpgradeJob,
  command: (host: FakeHost) => string,
): Promise<JournalEntry[]> {
  const host = new FakeHost(job.requestId, job.plan);
  const first = fakeRunbookDeps(host);
  let reached: () => void = () => {};
  const sent = new Promise<void>((resolve) => {
    reached = resolve;
  });
  host.on(command(host), () => {
    reached();
    return new Promise(() => {});
  });
  void runUpgrade(job, first.deps);
  await sent;
  return [...first.journal];
}

/** The host after the first worker died mid-yum: services stopped, yum launched. */
function hostDuringYum(job: UpgradeJob, statuses: string[], upgraded: boolean): FakeHost {
  const host = new FakeHost(job.requestId, job.plan);
  host.servicesUp = false;
  const status = transactionStatus(job.requestId);
  for (const stdout of statuses) host.on(status, () => ({ stdout }), 1);
  host.upgraded = upgraded;
  if (upgraded) host.lastTransaction = 7;
  return host;
}

/**
 * Job `requestId` after its first worker died once it sent yum: delivered
 * again to the host as {@link hostDuringYum} leaves it, with any further
 * answers `script` gives the host, and run to its outcome.
 */
async function redeliveredMidYum(
  requestId: string,
  statuses: string[],
  upgraded: boolean,
  script: (host: FakeHost, job: UpgradeJob) => void = () => {},
) {
  const job = standaloneUpgradeJob(requestId);
  const journal = await journalOfWorkerDyingAt(job, (h) => h.upgradeCommand);
  const host = hostDuringYum(job, statuses, upgraded);
  script(host, job);
  const run = fakeRunbookDeps(host, { journal });
  return { job, journal, host, run, outcome: await runUpgrade(job, run.deps) };
}

const RUNNING =
  "running\nRunning transaction\n  Upgrading        : kcm-libguac-2.24.1-1.el8.x86_64  1/18\n";
const FINISHED = "finished 0\nUpgraded:\n  kcm-libguac-2.24.1-1.el8.x86_64\nComplete!\n";

describe("a redelivered job whose journal says yum was started", () => {
  it("polls a running transaction until it finishes, and never sends yum again", async () => {
    const { job, journal, host, run, outcome } = await redeliveredMidYum(
      "req-resume-running",
      [RUNNING, RUNNING, FINISHED],
      true,
    );

    expect(journal.at(-1)).toMatchObject({ step: "upgrade", event: "started" });
    expect(host.count(host.upgradeCommand)).toBe(0);
    expect(host.count(FAKE_COMMANDS.stopServices("standalone"))).toBe(0);
    const status = transactionStatus(job.requestId);
    expect(host.commands.slice(0, 5)).toEqual([status, status, status, START, STATE]);
    expect(run.sleeps).toEqual([2000, 2000]);
    expect(outcome).toMatchObject({ kind: "upgraded", transactionId: 7, stillPending: [] });
    expect(run.events[0]).toMatchObject({ type: "job-started", resumed: true });
    expect(run.audit[0]).toMatchObject({ what: "job-resumed" });
  });

  it("starts a transaction the host never saw ('absent') exactly once", async () => {
    const { job, host, outcome } = await redeliveredMidYum(
      "req-resume-absent",
      ["absent\n"],
      false,
    );

    expect(host.commands.slice(0, 3)).toEqual([
      transactionStatus(job.requestId),
      host.upgradeCommand,
      START,
    ]);
    expect(host.count(host.upgradeCommand)).toBe(1);
    expect(outcome).toMatchObject({ kind: "upgraded", transactionId: 7 });
  });

  it("'vanished' (yum gone, no exit code): starts the services and lets rpm decide: upgraded", async () => {
    const { host, run, outcome } = await redeliveredMidYum(
      "req-resume-vanished",
      ["vanished\n"],
      true,
    );

    expect(host.count(host.upgradeCommand)).toBe(0);
    expect(host.commands.slice(1, 3)).toEqual([START, STATE]);
    expect(run.journal).toContainEqual(
      expect.objectContaining({ step: "upgrade", event: "failed", exitCode: null }),
    );
    expect(outcome).toMatchObject({ kind: "upgraded", transactionId: 7 });
  });

  it("'vanished' with the old versions still installed: started, then failed by verify", async () => {
    const { host, outcome } = await redeliveredMidYum(
      "req-resume-vanished-old",
      ["vanished\n"],
      false,
    );

    expect(host.count(host.upgradeCommand)).toBe(0);
    expect(outcome).toMatchObject(
      failedAt("verify", "not-as-planned", {
        downtimeStarted: true,
        services: UP,
      }),
    );
  });

  it("gives up waiting after the transaction timeout, yum left alone, services started", async () => {
    const { host, run, outcome } = await redeliveredMidYum(
      "req-resume-stuck",
      [],
      false,
      (h, job) => h.on(transactionStatus(job.requestId), () => ({ stdout: RUNNING })),
    );

    expect(host.count(host.upgradeCommand)).toBe(0);
    // It asked every pollMs, until transactionMs had passed on the (fake) clock.
    expect(new Set(run.sleeps)).toEqual(new Set([2000]));
    expect(run.sleeps.length * 2000).toBeGreaterThan(1_700_000);
    expect(outcome).toMatchObject(
      failedAt("upgrade", "timeout", {
        services: UP,
      }),
    );
  });

  it("cannot reach the host at first: tries again with backoff, then goes on from the host's state", async () => {
    // The host never saw yum ("absent"), and refuses the first four connections.
    const { host, run, outcome } = await redeliveredMidYum(
      "req-resume-unreachable",
      [],
      false,
      (h) => {
        h.failConnects = 4;
      },
    );

    expect(run.events.map((e) => e.type)).toContain("connection-lost");
    expect(run.events).toContainEqual(
      expect.objectContaining({ type: "connection-restored", attempts: 3 }),
    );
    // Two refused at once (the first read, and one new connection), then backoff: 1 s, 2 s, 4 s.
    expect(run.sleeps.slice(0, 3)).toEqual([1000, 2000, 4000]);
    expect(host.count(host.upgradeCommand)).toBe(1);
    expect(outcome).toMatchObject({ kind: "upgraded", services: UP });
    expect(run.audit.map((a) => a.what)).toEqual(
      expect.arrayContaining(["connection-lost", "connection-restored"]),
    );
  });
});

describe("a redelivered job whose journal says yum finished", () => {
  it("goes straight to the start: no status poll, no yum", async () => {
    const job = standaloneUpgradeJob("req-resume-finished");
    const journal = await journalOfWorkerDyingAt(job, () => START);
    expect(journal.at(-1)).toMatchObject({ step: "start", event: "started" });

    const host = new FakeHost(job.requestId, job.plan);
    host.servicesUp = false;
    host.upgraded = true;
    host.lastTransaction = 7;
    const run = fakeRunbookDeps(host, { journal });
    const outcome = await runUpgrade(job, run.deps);

    expect(host.commands.slice(0, 2)).toEqual([START, STATE]);
    expect(host.count(host.upgradeCommand)).toBe(0);
    expect(host.count(transactionStatus(job.requestId))).toBe(0);
    expect(new Set(host.commands.slice(2, 5))).toEqual(
      new Set([QUERY_INSTALLED, FAKE_COMMANDS.listUpdates, FAKE_COMMANDS.lastTransaction]),
    );
    expect(outcome).toMatchObject({ kind: "upgraded", transactionId: 7 });
  });

  it("a dropped connection while polling reconnects and polls again", async () => {
    const { host, outcome } = await redeliveredMidYum(
      "req-resume-drop",
      [RUNNING],
      true,
      (h, job) =>
        h
          .dropsConnectionOnce(transactionStatus(job.requestId))
          .on(transactionStatus(job.requestId), () => ({ stdout: FINISHED }), 1),
    );

    expect(host.connects).toBe(2);
    expect(host.count(host.upgradeCommand)).toBe(0);
    expect(outcome).toMatchObject({ kind: "upgraded", transactionId: 7 });
  });
});
