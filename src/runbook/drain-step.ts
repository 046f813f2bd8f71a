import { sessionsPhrase } from "../chat/describe-outcome.js";
import type { JobOutcome } from "../chat/runbook-event.js";
import {
  DEFAULT_DRAIN_POLICY,
  type DrainEnd,
  type DrainPolicy,
  drainDeadline,
} from "../domain/drain-policy.js";
import { countSessions } from "../kcm/commands.js";
import {
  type ActiveSessions,
  parseActiveSessions,
  type SessionFilter,
} from "../kcm/parse-active-sessions.js";
import type { Progress } from "./read-progress.js";
import { HandBackError, LockLostError } from "./runbook-failure.js";
import type { StepRunner } from "./step-runner.js";

/** A wait's end, or the request cancelled during it. */
type WaitEnd = DrainEnd | "cancelled";

/**
 * Just before the stop: counts the remote sessions the stop would cut and,
 * under a drain policy with a wait, waits for them to end (polling, never
 * past the window's end; `/kcm cancel` ends it with nothing stopped). The
 * wait is journaled: a job picked up again after a lost worker goes on
 * waiting until the first wait would have ended. Then says how many sessions
 * the stop cuts. Resolves to an outcome when the job must end with nothing
 * stopped (the policy's `abort`, or a cancel), else undefined: stop now.
 * A count that cannot be read is "unknown", never a failure of its own.
 */
export async function drainStep(
  runner: StepRunner,
  progress: Pick<Progress, "drainStartedAt">,
  jobStarted: number,
): Promise<JobOutcome | undefined> {
  const where = runner.deps.sessions;
  if (!where) return undefined;
  const policy = where.drain ?? DEFAULT_DRAIN_POLICY;
  let counted = await countNow(runner, where);
  const open = counted.kind === "unknown" || counted.count > 0;
  if (policy.waitMinutes > 0 && (open || progress.drainStartedAt !== undefined)) {
    const waited = await waitForSessions(runner, where, policy, {
      journaledSince: progress.drainStartedAt,
      first: counted,
      jobStarted,
    });
    if (waited.outcome) return waited.outcome;
    counted = waited.counted;
  }
  runner.report({
    type: "sessions-before-stop",
    requestId: runner.job.requestId,
    host: runner.job.host,
    count: counted.kind === "count" ? counted.count : null,
    ...(counted.kind === "unknown" ? { unknown: counted.reason } : {}),
  });
  return undefined;
}

/** The sessions now; a count that cannot be read (or a lost connection) is "unknown". */
async function countNow(runner: StepRunner, where: SessionFilter): Promise<ActiveSessions> {
  return runner
    .exec(countSessions(where.port))
    .then((output) => parseActiveSessions(output, where))
    .catch((error: unknown) => ({
      kind: "unknown" as const,
      reason: error instanceof Error ? error.message : String(error),
    }));
}

/** The wait itself, as the step "drain": its end decides whether the stop follows. */
async function waitForSessions(
  runner: StepRunner,
  where: SessionFilter,
  policy: DrainPolicy,
  at: {
    /** When an earlier delivery of the job began this wait, if one did. */
    journaledSince: number | undefined;
    /** The count that started it. */
    first: ActiveSessions;
    /** When the job began (a failed outcome's total time). */
    jobStarted: number;
  },
): Promise<{ outcome?: JobOutcome; counted: ActiveSessions }> {
  const { journaledSince, first } = at;
  const { deps, job } = runner;
  const started = deps.now();
  const since = journaledSince ?? started;
  const pollMs = policy.pollSeconds * 1000;
  // The stop must begin inside the window: a wait the window cuts short ends a poll before it.
  const deadline = drainDeadline(policy, since, Date.parse(job.window.end) - pollMs);
  const until = new Date(deadline.at).toISOString();
  await runner.started(
    "drain",
    `${countSessions(where.port)}   # every ${policy.pollSeconds} s until ${until.slice(11, 19)} UTC`,
  );
  let counted = first;
  let draining = false;
  if (counted.kind === "count" && counted.count > 0) {
    await deps.gate?.draining(counted.count);
    draining = true;
    runner.report({
      type: "drain-waiting",
      requestId: job.requestId,
      host: job.host,
      count: counted.count,
      until,
      windowEnd: deadline.end === "window-end",
      onTimeout: policy.onTimeout,
      pollSeconds: policy.pollSeconds,
      resumed: journaledSince !== undefined,
    });
  }
  let end: WaitEnd;
  for (;;) {
    if (counted.kind === "unknown") {
      end = "unknown";
      break;
    }
    if (counted.count === 0) {
      end = "drained";
      break;
    }
    const left = deadline.at - deps.now();
    if (left <= 0) {
      end = deadline.end;
      break;
    }
    if (deps.stopping?.()) {
      throw new HandBackError(
        `${job.host}: the worker is stopping while waiting for sessions to end; nothing was stopped: the job goes back to the queue and the wait goes on from the journal`,
      );
    }
    if (!deps.holdsLock())
      throw new LockLostError("the host lock was lost while waiting for sessions to end");
    await deps.sleep(Math.min(pollMs, left));
    if (draining && (await deps.gate?.cancelled())) {
      end = "cancelled";
      break;
    }
    const next = await countNow(runner, where);
    if (next.kind === "count" && next.count !== counted.count && next.count > 0) {
      runner.report({
        type: "drain-count",
        requestId: job.requestId,
        host: job.host,
        count: next.count,
      });
    }
    counted = next;
  }

  const result = (ok: boolean, detail: string) =>
    runner.finished("drain", ok, {
      exitCode: null,
      durationMs: deps.now() - started,
      excerpt: "",
      detail,
    });
  const waited = deps.now() - since;
  const proceed = end === "drained" || (end !== "cancelled" && policy.onTimeout === "proceed");
  if (end !== "cancelled" && !proceed) {
    const detail = drainDetail(end, counted, waited, policy);
    await result(false, detail);
    return {
      counted,
      outcome: {
        kind: "failed",
        step: "drain",
        code: end === "unknown" ? "sessions-unknown" : "sessions-active",
        summary: detail,
        evidence: [],
        downtimeStarted: false,
        services: [],
        totalMs: deps.now() - at.jobStarted,
      },
    };
  }
  // Past this, a cancel is refused: the stop begins. One compare-and-set decides which came first.
  if (end === "cancelled" || (draining && deps.gate && !(await deps.gate.pass()))) {
    await result(false, "the request was cancelled while waiting for sessions to end");
    return { counted, outcome: { kind: "cancelled", during: "drain" } };
  }
  await result(true, drainDetail(end, counted, waited, policy));
  return { counted };
}

/** One line for the thread: how the wait ended and what follows. */
function drainDetail(
  end: DrainEnd,
  counted: ActiveSessions,
  waitedMs: number,
  policy: DrainPolicy,
): string {
  const waited = formatWait(waitedMs);
  const left = counted.kind === "count" ? sessionsPhrase(counted.count) : "sessions";
  const then =
    policy.onTimeout === "proceed"
      ? "stopping anyway (drain onTimeout: proceed)"
      : "nothing was stopped (drain onTimeout: abort)";
  switch (end) {
    case "drained":
      return `no active sessions after ${waited}`;
    case "timeout":
      return `${left} still open after ${waited}, the drain's ${policy.waitMinutes} min: ${then}`;
    case "window-end":
      return `${left} still open after ${waited}, and the window is about to end: ${then}`;
    case "unknown":
      return `the active sessions cannot be counted (${counted.kind === "unknown" ? counted.reason : ""}), so the drain cannot tell when they end: ${then}`;
  }
}

function formatWait(ms: number): string {
  const seconds = Math.round(ms / 1000);
  return seconds < 120 ? `${seconds} s` : `${Math.round(seconds / 60)} min`;
}
