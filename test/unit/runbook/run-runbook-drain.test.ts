import { describe, expect, it } from "vitest";
import type { RunbookEvent } from "../../../src/chat/runbook-event.js";
import type { DrainPolicy } from "../../../src/domain/drain-policy.js";
import { countSessions } from "../../../src/kcm/commands.js";
import { runUpgrade } from "../../../src/runbook/run-upgrade.js";
import { HandBackError } from "../../../src/runbook/runbook-failure.js";
import type { JournalEntry, RequestGate } from "../../../src/runbook/runbook-ports.js";
import { FAKE_COMMANDS } from "../../support/fake-host.js";
import { failedAt, fakeStandaloneRun } from "../../support/fake-standalone-run.js";
import { WINDOW } from "../../support/standalone-upgrade-job.js";

// The drain: before the stop, a job waits for the host's remote sessions to
// end (as its policy says), never past the window, and a cancel meanwhile
// ends it with nothing stopped.

const STOP = FAKE_COMMANDS.stopServices("standalone");
const COUNT = countSessions(4822);

/** What `ss` prints for `n` sessions to guacd, with the command's marker ("none": neither ss nor /proc). */
function ssOutput(n: number | "none"): string {
  if (n === "none") return "#none\n";
  const lines = Array.from({ length: n }, (_, i) => `0 0 10.0.0.1:4822 10.0.0.9:${50000 + i}`);
  return [...lines, "#ss"].join("\n");
}

/**
 * A standalone run whose host has `counts[i]` sessions at the i-th count (the
 * last repeats), under `drain`, with `gate` as the request's say.
 */
function drainRun(
  counts: readonly (number | "none")[],
  drain: Partial<DrainPolicy>,
  options: { now?: string; journal?: JournalEntry[]; gate?: RequestGate } = {},
) {
  const { now = "2026-11-26T19:30:00.000Z", journal, gate } = options;
  const setup = fakeStandaloneRun("req-drain", { now, ...(journal ? { journal } : {}) });
  let asked = 0;
  setup.host.on(COUNT, () => ({
    stdout: ssOutput(counts[Math.min(asked++, counts.length - 1)] ?? 0),
    durationMs: 100,
  }));
  setup.run.deps.sessions = {
    port: 4822,
    drain: { waitMinutes: 0, onTimeout: "proceed", pollSeconds: 15, ...drain },
  };
  if (gate) setup.run.deps.gate = gate;
  return { ...setup, counted: () => asked };
}

const ofType = <T extends RunbookEvent["type"]>(events: RunbookEvent[], type: T) =>
  events.filter((e): e is Extract<RunbookEvent, { type: T }> => e.type === type);

/** The drain step's finished event. */
const drainFinished = (events: RunbookEvent[]) =>
  ofType(events, "step-finished").find((e) => e.step === "drain");

/** A gate that records what the runbook told it, cancelled from the `cancelAt`-th question on. */
function recordingGate(cancelAt = Number.POSITIVE_INFINITY, passes = true) {
  const said: string[] = [];
  let asked = 0;
  const gate: RequestGate = {
    draining: async (sessions) => void said.push(`draining ${sessions}`),
    cancelled: async () => ++asked >= cancelAt,
    pass: async () => {
      said.push("pass");
      return passes;
    },
  };
  return { gate, said };
}

describe("no wait (the default)", () => {
  it("counts once, says how many the stop cuts, and stops: no drain step", async () => {
    const { job, host, run } = drainRun([3], {});

    const outcome = await runUpgrade(job, run.deps);

    expect(outcome.kind).toBe("upgraded");
    expect(ofType(run.events, "sessions-before-stop")).toMatchObject([{ count: 3 }]);
    expect(drainFinished(run.events)).toBeUndefined();
    expect(host.commands.filter((c) => c === COUNT)).toHaveLength(1);
    expect(host.commands.indexOf(COUNT)).toBeLessThan(host.commands.indexOf(STOP));
  });
});

describe("a wait", () => {
  it("waits while sessions are open and stops within one poll of the last one ending", async () => {
    const { gate, said } = recordingGate();
    const { job, host, run, counted } = drainRun([2, 2, 1, 0], { waitMinutes: 10 }, { gate });

    const outcome = await runUpgrade(job, run.deps);

    expect(outcome.kind).toBe("upgraded");
    expect(counted()).toBe(4);
    expect(run.sleeps.filter((ms) => ms === 15_000)).toHaveLength(3);
    expect(ofType(run.events, "drain-waiting")).toMatchObject([
      { count: 2, onTimeout: "proceed", pollSeconds: 15, windowEnd: false, resumed: false },
    ]);
    expect(ofType(run.events, "drain-count")).toMatchObject([{ count: 1 }]);
    expect(drainFinished(run.events)).toMatchObject({
      ok: true,
      detail: expect.stringMatching(/^no active sessions after 4\d s$/),
    });
    expect(ofType(run.events, "sessions-before-stop")).toMatchObject([{ count: 0 }]);
    expect(said).toEqual(["draining 2", "pass"]);
    // The stop comes right after the count that read 0.
    expect(host.commands[host.commands.lastIndexOf(COUNT) + 2]).toBe(STOP);
    expect(run.journal.filter((e) => e.step === "drain").map((e) => e.event)).toEqual([
      "started",
      "finished",
    ]);
  });

  it("times out and proceeds: the stop cuts what is still open, and the thread says so", async () => {
    const { job, host, run } = drainRun([2], { waitMinutes: 1, onTimeout: "proceed" });

    const outcome = await runUpgrade(job, run.deps);

    expect(outcome.kind).toBe("upgraded");
    // Every 15 s, and the last sleep only up to the drain's minute (the counts take time too).
    expect(run.sleeps.slice(0, 3)).toEqual([15_000, 15_000, 15_000]);
    expect(run.clock.now - Date.parse("2026-11-26T19:30:00.000Z")).toBeLessThan(90_000);
    expect(drainFinished(run.events)?.detail).toMatch(
      /^2 active sessions still open after \d+ s, the drain's 1 min: stopping anyway/,
    );
    expect(ofType(run.events, "sessions-before-stop")).toMatchObject([{ count: 2 }]);
    expect(host.commands).toContain(STOP);
  });

  it("times out and aborts: nothing is stopped, and the outcome says why", async () => {
    const { job, host, run } = drainRun([2], { waitMinutes: 1, onTimeout: "abort" });

    const outcome = await runUpgrade(job, run.deps);

    expect(outcome).toMatchObject(
      failedAt("drain", "sessions-active", {
        downtimeStarted: false,
        summary: expect.stringContaining("nothing was stopped (drain onTimeout: abort)"),
      }),
    );
    expect(host.commands).not.toContain(STOP);
    expect(host.servicesUp).toBe(true);
    expect(ofType(run.events, "sessions-before-stop")).toEqual([]);
  });

  it("never waits past the window: it ends a poll before the window's end, and the stop is inside it", async () => {
    const { job, run } = drainRun([1], { waitMinutes: 30 }, { now: "2026-11-26T20:55:00.000Z" });

    const outcome = await runUpgrade(job, run.deps);

    expect(outcome.kind).toBe("upgraded");
    const [waiting] = ofType(run.events, "drain-waiting");
    expect(waiting).toMatchObject({ windowEnd: true, until: "2026-11-26T20:59:45.000Z" });
    expect(drainFinished(run.events)?.detail).toMatch(
      /the window is about to end: stopping anyway/,
    );
    const stop = run.journal.find((e) => e.step === "stop" && e.event === "started");
    expect(Date.parse(stop?.at ?? "")).toBeLessThan(Date.parse(WINDOW.end));
  });

  it("a window that ends sooner than the drain, with abort: nothing stopped", async () => {
    const { job, host, run } = drainRun(
      [1],
      { waitMinutes: 30, onTimeout: "abort" },
      { now: "2026-11-26T20:58:00.000Z" },
    );

    const outcome = await runUpgrade(job, run.deps);

    expect(outcome).toMatchObject(failedAt("drain", "sessions-active", { downtimeStarted: false }));
    expect(host.commands).not.toContain(STOP);
  });
});

describe("a cancel", () => {
  it("during the wait ends the job with nothing stopped", async () => {
    const { gate, said } = recordingGate(2);
    const { job, host, run } = drainRun([2], { waitMinutes: 10 }, { gate });

    const outcome = await runUpgrade(job, run.deps);

    expect(outcome).toEqual({ kind: "cancelled", during: "drain" });
    expect(host.commands).not.toContain(STOP);
    expect(said).toEqual(["draining 2"]);
    expect(drainFinished(run.events)).toMatchObject({ ok: false });
  });

  it("that wins the race with the drain's end (the gate refuses to pass) stops nothing", async () => {
    const { gate } = recordingGate(Number.POSITIVE_INFINITY, false);
    const { job, host, run } = drainRun([1, 0], { waitMinutes: 10 }, { gate });

    const outcome = await runUpgrade(job, run.deps);

    expect(outcome).toEqual({ kind: "cancelled", during: "drain" });
    expect(host.commands).not.toContain(STOP);
  });
});

describe("a job picked up again", () => {
  it("goes on with the first wait's deadline (journaled), not a new one", async () => {
    const since = "2026-11-26T19:20:00.000Z";
    const journal: JournalEntry[] = [{ at: since, step: "drain", event: "started" }];
    const { job, run } = drainRun([2], { waitMinutes: 12 }, { journal });

    const outcome = await runUpgrade(job, run.deps);

    expect(outcome.kind).toBe("upgraded");
    const [waiting] = ofType(run.events, "drain-waiting");
    expect(waiting).toMatchObject({ resumed: true, until: "2026-11-26T19:32:00.000Z" });
    const waited = run.sleeps.filter((ms) => ms <= 15_000).reduce((a, b) => a + b, 0);
    expect(waited).toBeLessThanOrEqual(120_000);
  });

  it("hands the job back when the worker stops during the wait, having stopped nothing", async () => {
    const { job, host, run } = drainRun([2], { waitMinutes: 10 });
    let polls = 0;
    run.deps.stopping = () => ++polls > 2;

    await expect(runUpgrade(job, run.deps)).rejects.toBeInstanceOf(HandBackError);
    expect(host.commands).not.toContain(STOP);
    expect(run.journal.some((e) => e.step === "drain" && e.event === "started")).toBe(true);
  });
});

describe("a count that cannot be read", () => {
  it("with abort: nothing is stopped, since the drain cannot tell when sessions end", async () => {
    const { job, host, run } = drainRun(["none"], { waitMinutes: 5, onTimeout: "abort" });

    const outcome = await runUpgrade(job, run.deps);

    expect(outcome).toMatchObject(
      failedAt("drain", "sessions-unknown", { downtimeStarted: false }),
    );
    expect(host.commands).not.toContain(STOP);
  });

  it("with proceed: the upgrade goes on, and the thread says the count is unknown", async () => {
    const { job, run } = drainRun(["none"], { waitMinutes: 5 });

    const outcome = await runUpgrade(job, run.deps);

    expect(outcome.kind).toBe("upgraded");
    expect(ofType(run.events, "drain-waiting")).toEqual([]);
    expect(ofType(run.events, "sessions-before-stop")).toMatchObject([
      { count: null, unknown: expect.stringContaining("neither ss nor /proc/net/tcp") },
    ]);
  });
});
