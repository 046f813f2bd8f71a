import type { StepName } from "../chat/runbook-event.js";
import { type ConnectionFailure, isConnectionFailure } from "./host-shell.js";
import type { StepRunner } from "./step-runner.js";

/** The wait before try `attempt` (0-based): 1 s, 2 s, 4 s... up to `maxMs`. */
export function backoffMs(attempt: number, maxMs: number): number {
  return Math.min(maxMs, 1000 * 2 ** Math.min(attempt, 16));
}

/**
 * When the services may be down and the host stops answering, how long the
 * worker keeps trying: the window's end (or now, if later) plus the margin.
 */
export function reconnectDeadline(runner: StepRunner): number {
  const end = Date.parse(runner.job.window.end);
  return Math.max(end, runner.deps.now()) + runner.deps.timeouts.reconnectMarginMs;
}

/**
 * The host dropped the connection while the services may be down: says so
 * in the thread, the journal and the audit stream, then opens new
 * connections with backoff until one runs a command or `deadline` passes.
 * Resolves once the host answers (and says so); rejects with the last
 * connection failure at the deadline.
 */
export async function regainHost(
  runner: StepRunner,
  step: StepName,
  lost: ConnectionFailure,
  deadline: number,
): Promise<void> {
  const { deps, job } = runner;
  const lostAt = deps.now();
  const retryUntil = new Date(deadline).toISOString();
  runner.report({
    type: "connection-lost",
    requestId: job.requestId,
    host: job.host,
    step,
    reason: lost.message,
    retryUntil,
  });
  await runner.journal({ step, event: "note", data: { connectionLost: lost.code, retryUntil } });
  await runner.audit("connection-lost", {
    step,
    detail: `${lost.message}; retrying until ${retryUntil}`,
  });
  let last: unknown = lost;
  for (let attempt = 0; ; attempt++) {
    const wait = Math.min(
      backoffMs(attempt, deps.timeouts.reconnectMaxDelayMs),
      Math.max(0, deadline - deps.now()),
    );
    if (wait <= 0 && attempt > 0) break;
    await deps.sleep(wait);
    runner.reconnect();
    try {
      await runner.exec("true");
    } catch (error) {
      if (!isConnectionFailure(error)) throw error;
      last = error;
      if (deps.now() >= deadline) break;
      continue;
    }
    const lostMs = deps.now() - lostAt;
    runner.report({
      type: "connection-restored",
      requestId: job.requestId,
      host: job.host,
      lostMs,
      attempts: attempt + 1,
    });
    await runner.journal({ step, event: "note", data: { connectionRestored: lostMs } });
    await runner.audit("connection-restored", {
      step,
      detail: `after ${Math.round(lostMs / 1000)} s`,
    });
    return;
  }
  throw last;
}
