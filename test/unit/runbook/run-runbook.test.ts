import { describe, expect, it } from "vitest";
import { forgetTransaction, QUERY_INSTALLED, SHOW_UNITS } from "../../../src/kcm/commands.js";
import { resolveLayout } from "../../../src/kcm/detect-layout.js";
import { parseUnitStates } from "../../../src/kcm/parse-unit-states.js";
import { runRollback } from "../../../src/runbook/run-rollback.js";
import { runUpgrade } from "../../../src/runbook/run-upgrade.js";
import { fixtureOutput } from "../../fixtures/kcm/load-fixture.js";
import { type Answer, FAKE_COMMANDS, FakeHost, fixtureResult } from "../../support/fake-host.js";
import { fakeRunbookDeps } from "../../support/fake-runbook-deps.js";
import { failedAt, fakeStandaloneRun } from "../../support/fake-standalone-run.js";
import { standaloneUpgradeJob, WINDOW } from "../../support/standalone-upgrade-job.js";

const STOP = FAKE_COMMANDS.stopServices("standalone");
const START = FAKE_COMMANDS.startServices("standalone");
const STATE = FAKE_COMMANDS.servicesState("standalone");

/** The commands, with those sent together (Promise.all, any order) as sorted groups. */
function grouped(commands: readonly string[], together: readonly (readonly string[])[]) {
  const groups = [...together].sort((a, b) => b.length - a.length);
  const out: (string | string[])[] = [];
  for (let i = 0; i < commands.length; ) {
    const group = groups.find(
      (g) =>
        g.length > 1 &&
        [...commands.slice(i, i + g.length)].sort().join("\n") === [...g].sort().join("\n"),
    );
    if (group) {
      out.push([...group].sort());
      i += group.length;
    } else out.push(commands[i++] as string);
  }
  return out;
}

describe("a happy run", () => {
  it("upgrade: preflight, layout, prefetch, then stop, only the transaction, start, verify", async () => {
    const { job, host, run } = fakeStandaloneRun("req-happy");

    const outcome = await runUpgrade(job, run.deps);

    const preflight = [QUERY_INSTALLED, FAKE_COMMANDS.listUpdates];
    const verify = [QUERY_INSTALLED, FAKE_COMMANDS.listUpdates, FAKE_COMMANDS.lastTransaction];
    expect(grouped(host.commands, [preflight, verify])).toEqual([
      FAKE_COMMANDS.checkSudo,
      [...preflight].sort(),
      SHOW_UNITS,
      host.prefetchCommand,
      FAKE_COMMANDS.lastTransaction,
      STOP,
      STATE,
      host.upgradeCommand,
      START,
      STATE,
      [...verify].sort(),
      forgetTransaction(job.requestId),
    ]);
    // Between the stop and the start: the stop's own check of the units, and yum. Nothing else.
    const between = host.commands.slice(
      host.commands.indexOf(STOP) + 1,
      host.commands.indexOf(START),
    );
    expect(between).toEqual([STATE, host.upgradeCommand]);
    expect(host.commands.indexOf(host.prefetchCommand)).toBeLessThan(host.commands.indexOf(STOP));

    expect(outcome).toMatchObject({
      kind: "upgraded",
      transactionId: 7,
      stillPending: [],
      services: [
        { unit: "guacamole", state: "active" },
        { unit: "guacd", state: "active" },
      ],
    });
    if (outcome.kind !== "upgraded") return;
    expect(outcome.changes).toEqual(job.plan.packages);
    expect(outcome.downtimeMs).toBeGreaterThan(0);
    expect(outcome.totalMs).toBeGreaterThan(outcome.downtimeMs);
    expect(run.journal.map((e) => `${e.step} ${e.event}`)).toEqual([
      "preflight started",
      "preflight finished",
      "layout started",
      "layout finished",
      "prefetch started",
      "prefetch finished",
      "stop started",
      "stop finished",
      "upgrade started",
      "upgrade finished",
      "start started",
      "start finished",
      "verify started",
      "verify finished",
      "job outcome",
    ]);
    // The outcome is the processor's to report (it records it on the request first).
    expect(run.events.at(-1)).toMatchObject({ type: "step-finished", step: "verify" });
    expect(run.events.filter((e) => e.type === "job-finished")).toEqual([]);
    expect(outcome.kind).toBe("upgraded");
    expect(run.audit.map((a) => a.what).at(-1)).toBe("job-upgraded");
    expect([host.connects, host.closes]).toEqual([1, 1]);
  });

  it("rollback: no prefetch; only the history undo between stop and start", async () => {
    const job = standaloneUpgradeJob("req-back", { rollback: true });
    const host = new FakeHost(job.requestId, job.plan, 7);
    host.upgraded = true;
    host.lastTransaction = 7;
    const run = fakeRunbookDeps(host);

    const outcome = await runRollback(job, 7, run.deps);

    expect(
      grouped(host.commands, [
        [QUERY_INSTALLED, FAKE_COMMANDS.listUpdates, FAKE_COMMANDS.lastTransaction],
      ]),
    ).toEqual([
      FAKE_COMMANDS.checkSudo,
      QUERY_INSTALLED,
      SHOW_UNITS,
      FAKE_COMMANDS.lastTransaction,
      STOP,
      STATE,
      host.undoCommand,
      START,
      STATE,
      [FAKE_COMMANDS.lastTransaction, FAKE_COMMANDS.listUpdates, QUERY_INSTALLED].sort(),
      forgetTransaction(job.requestId),
    ]);
    expect(outcome).toMatchObject({ kind: "rolled-back", transactionId: 8 });
    // 2.24.1 is still published, so it is pending again after the rollback.
    if (outcome.kind === "rolled-back") expect(outcome.stillPending).toHaveLength(9);
  });
});

describe("endings that never touch the services", () => {
  /**
   * Runs job `requestId` on a host whose helper check answers `answer`;
   * expects that check to be the only command sent.
   */
  async function runWhereSudoCheckAnswers(requestId: string, answer: Answer) {
    const { job, host, run } = fakeStandaloneRun(requestId);
    host.on(FAKE_COMMANDS.checkSudo, answer);
    const outcome = await runUpgrade(job, run.deps);
    expect(host.commands).toEqual([FAKE_COMMANDS.checkSudo]);
    return { outcome, host, run };
  }

  it("sudo's refusal fails the preflight; no stop, no further command", async () => {
    // `sudo -n` prints the same refusal whatever the command; this one was captured for yum.
    const { outcome, host, run } = await runWhereSudoCheckAnswers("req-sudo", () =>
      fixtureResult("dnf/list-updates-sudo-password"),
    );

    expect(outcome).toMatchObject(
      failedAt("preflight", "sudo-password", {
        downtimeStarted: false,
        services: [],
        evidence: ["sudo: a password is required"],
      }),
    );
    expect(run.journal.at(-1)).toMatchObject({ step: "job", event: "outcome", data: { outcome } });
    expect(host.closes).toBe(1);
  });

  it("a helper of another version fails the preflight, before anything else runs", async () => {
    const { outcome } = await runWhereSudoCheckAnswers("req-old-helper", () => ({
      stdout: "kcm-host 0\n",
    }));

    expect(outcome).toMatchObject(
      failedAt("preflight", "helper-outdated", {
        summary: expect.stringMatching(
          /^the host helper at \/usr\/local\/libexec\/kcm-chatops\/kcm-host says "kcm-host 0", not "kcm-host 1"/,
        ),
        downtimeStarted: false,
      }),
    );
  });

  it("a job that wakes after its window ends 'window missed' without connecting", async () => {
    const { job, host, run } = fakeStandaloneRun("req-late", { now: "2026-11-26T21:00:00.001Z" });

    const outcome = await runUpgrade(job, run.deps);

    expect(outcome).toEqual({
      kind: "window-missed",
      windowEnd: WINDOW.end,
      startedAt: "2026-11-26T21:00:00.001Z",
    });
    expect(host.connects).toBe(0);
    expect(host.commands).toEqual([]);
    expect(run.journal.map((e) => `${e.step} ${e.event}`)).toEqual(["job outcome"]);
  });

  it("a prefetch that runs past the window's end stops the job before the stop", async () => {
    const { job, host, run } = fakeStandaloneRun("req-slow-prefetch", {
      now: "2026-11-26T20:30:00.000Z",
    });
    host.on(host.prefetchCommand, () => ({ durationMs: 2 * 3600 * 1000 }));

    const outcome = await runUpgrade(job, run.deps);

    expect(outcome).toMatchObject({ kind: "window-missed", windowEnd: WINDOW.end });
    expect(host.commands.at(-1)).toBe(host.prefetchCommand);
    expect(host.count(STOP)).toBe(0);
  });

  it("a layout pin the host disagrees with: taken, and said in the thread as check and doctor say it", async () => {
    const job = { ...standaloneUpgradeJob("req-pinned"), layout: "tomcat" as const };
    const host = new FakeHost(job.requestId, job.plan);
    const run = fakeRunbookDeps(host);

    await runUpgrade(job, run.deps);

    const units = parseUnitStates(fixtureOutput("systemctl/show-units-standalone-active"));
    if (units.kind !== "units") throw new Error("the fake host's units did not parse");
    const resolved = resolveLayout("tomcat", units.units);
    if (resolved.kind !== "mismatch") throw new Error(`expected a mismatch, got ${resolved.kind}`);
    const layout = run.events.find((e) => e.type === "step-finished" && e.step === "layout");
    expect(layout).toMatchObject({
      ok: true,
      detail: `tomcat (pinned in the inventory); :warning: ${resolved.sentence}`,
    });
    expect(run.journal).toContainEqual(
      expect.objectContaining({ step: "layout", event: "finished", data: { layout: "tomcat" } }),
    );
  });

  it("a journal that holds an outcome: only what follows the outcome, again, and once", async () => {
    const job = standaloneUpgradeJob("req-done");
    const first = fakeRunbookDeps(new FakeHost(job.requestId, job.plan));
    const outcome = await runUpgrade(job, first.deps);

    // The worker died just after journaling the outcome; the job is delivered again.
    const host = new FakeHost(job.requestId, job.plan);
    const again = fakeRunbookDeps(host, { journal: first.journal });
    expect(await runUpgrade(job, again.deps)).toEqual(outcome);
    // No step runs again: the transaction's files are removed, nothing else is sent.
    expect(host.commands).toEqual([forgetTransaction(job.requestId)]);
    expect(again.journal).toEqual(first.journal);
    // The audit entry again, under the key that makes it show once (the
    // processor reports the outcome, under the poster's key for it).
    expect(again.audit).toEqual([
      expect.objectContaining({ what: "job-upgraded", once: "req-done:outcome" }),
    ]);
    expect(first.audit.at(-1)).toMatchObject({ what: "job-upgraded", once: "req-done:outcome" });
    expect(again.events).toEqual([]);
  });

  it("refuses a plan whose hash does not match, before connecting", async () => {
    const job = standaloneUpgradeJob("req-tampered");
    const tampered = { ...job, plan: { ...job.plan, packages: job.plan.packages.slice(1) } };
    const host = new FakeHost(job.requestId, job.plan);
    await expect(runUpgrade(tampered, fakeRunbookDeps(host).deps)).rejects.toThrow(
      /does not match its hash/,
    );
    expect(host.connects).toBe(0);
  });
});
