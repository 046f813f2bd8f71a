import { describe, expect, it } from "vitest";
import type { Reporter, RunbookEvent } from "../../../src/chat/runbook-event.js";
import { type CountableQueue, createMetrics } from "../../../src/observability/create-metrics.js";

const job = { requestId: "r-1", host: "web-1" };

function stepFinished(
  step: "preflight" | "upgrade",
  ok: boolean,
  durationMs: number,
): RunbookEvent {
  return { ...job, type: "step-finished", step, ok, exitCode: ok ? 0 : 1, durationMs, excerpt: "" };
}

/** A reporter that keeps what it is given. */
function recording(): Reporter & { events: RunbookEvent[] } {
  const events: RunbookEvent[] = [];
  return { events, report: (event) => events.push(event) };
}

describe("createMetrics", () => {
  it("passes every event on unchanged, and counts steps, outcomes and failure codes", async () => {
    const metrics = createMetrics({ processMetrics: false });
    const inner = recording();
    const reporter = metrics.reporter(inner);
    const events: RunbookEvent[] = [
      { ...job, type: "job-started", kind: "upgrade", resumed: false },
      { ...job, type: "step-started", step: "preflight" },
      stepFinished("preflight", true, 420),
      stepFinished("upgrade", true, 75_000),
      stepFinished("upgrade", false, 3_000),
      {
        ...job,
        type: "job-finished",
        outcome: {
          kind: "failed",
          step: "upgrade",
          code: "yum-lock",
          summary: "another process holds the yum lock",
          evidence: [],
          downtimeStarted: true,
          services: [],
          totalMs: 80_000,
        },
      },
      { ...job, type: "job-finished", outcome: { kind: "up-to-date", totalMs: 500 } },
    ];
    for (const event of events) reporter.report(event);
    expect(inner.events).toEqual(events);

    const text = await metrics.registry.metrics();
    expect(text).toContain("# TYPE kcm_runbook_step_duration_seconds histogram");
    expect(text).toContain(
      'kcm_runbook_step_duration_seconds_bucket{le="0.5",step="preflight",result="ok"} 1',
    );
    expect(text).toContain(
      'kcm_runbook_step_duration_seconds_bucket{le="0.25",step="preflight",result="ok"} 0',
    );
    expect(text).toContain('kcm_runbook_step_duration_seconds_sum{step="upgrade",result="ok"} 75');
    expect(text).toContain(
      'kcm_runbook_step_duration_seconds_bucket{le="120",step="upgrade",result="ok"} 1',
    );
    expect(text).toContain(
      'kcm_runbook_step_duration_seconds_count{step="upgrade",result="failed"} 1',
    );
    expect(text).toContain('kcm_runbook_outcomes_total{outcome="failed"} 1');
    expect(text).toContain('kcm_runbook_outcomes_total{outcome="up-to-date"} 1');
    // Every outcome is there from the start, at zero.
    expect(text).toContain('kcm_runbook_outcomes_total{outcome="upgraded"} 0');
    expect(text).toContain('kcm_runbook_failures_total{step="upgrade",code="yum-lock"} 1');
  });

  it("counts the Slack poster's retries, 429s and drops from its log entries", async () => {
    const metrics = createMetrics({ processMetrics: false });
    const retry = (failure: "rate-limited" | "transient" | "refused") =>
      metrics.posterLog({ level: "warn", event: "retrying", channel: "C1", failure, reason: "…" });
    retry("rate-limited");
    retry("rate-limited");
    retry("transient");
    metrics.posterLog({ level: "error", event: "dropped", channel: "C1", reason: "post dropped" });
    metrics.posterLog({ level: "info", event: "lease", reason: "delivering as vm:1" });
    const text = await metrics.registry.metrics();
    expect(text).toContain('kcm_slack_api_retries_total{failure="rate-limited"} 2');
    expect(text).toContain('kcm_slack_api_retries_total{failure="transient"} 1');
    expect(text).toContain('kcm_slack_api_retries_total{failure="refused"} 0');
    expect(text).toContain("kcm_slack_api_rate_limited_total 2");
    expect(text).toContain("kcm_slack_messages_dropped_total 1");
  });

  it("reads the queues' job counts on each scrape, leaving out a queue that does not answer", async () => {
    let waiting = 3;
    const queues: CountableQueue[] = [
      {
        name: "kcm-upgrades",
        getJobCounts: async (...types) =>
          Object.fromEntries(
            types.map((t) => [t, t === "waiting" ? waiting : t === "failed" ? 2 : 0]),
          ),
      },
      { name: "kcm-tasks", getJobCounts: () => new Promise(() => {}) },
    ];
    const metrics = createMetrics({ queues, processMetrics: false, countTimeoutMs: 50 });
    let text = await metrics.registry.metrics();
    expect(text).toContain('kcm_queue_jobs{queue="kcm-upgrades",state="waiting"} 3');
    expect(text).toContain('kcm_queue_jobs{queue="kcm-upgrades",state="failed"} 2');
    expect(text).toContain('kcm_queue_jobs{queue="kcm-upgrades",state="active"} 0');
    expect(text).not.toContain('queue="kcm-tasks"');
    waiting = 0;
    text = await metrics.registry.metrics();
    expect(text).toContain('kcm_queue_jobs{queue="kcm-upgrades",state="waiting"} 0');
  });

  it("has the Node.js process metrics by default", async () => {
    const text = await createMetrics().registry.metrics();
    expect(text).toContain("process_cpu_user_seconds_total");
    expect(text).toContain("nodejs_eventloop_lag_seconds");
  });
});
