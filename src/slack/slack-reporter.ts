import { describeOutcome, sessionsPhrase } from "../chat/describe-outcome.js";
import { type Reporter, type RunbookEvent, STEPS, type StepName } from "../chat/runbook-event.js";
import type { Inventory } from "../config/inventory-schema.js";
import type { UpgradeRequest } from "../domain/upgrade-request.js";
import type { RequestRecords, RolloutRuns } from "../requests/ports.js";
import { escapeMrkdwn } from "./blocks/mrkdwn.js";
import type { SlackPoster } from "./poster/index.js";
import { rootKey, updateRoot } from "./request-view.js";

/** Output longer than this many lines goes to the thread as a file, not a wall of text. */
const INLINE_LINES = 12;

export interface SlackReporter extends Reporter {
  /** Resolves once every event reported so far is queued for Slack (in Redis). */
  flush(): Promise<void>;
}

/**
 * The runbook's events as Slack sees them: each finished step is a reply in
 * the request's thread (exit code, duration, an excerpt; long output as a
 * file), the root message shows the request's state (read, never changed:
 * the processor records it) and a progress line, and the last reply is the
 * summary (posted under a key, so a redelivered job's shows once).
 * Everything goes through the poster's queues in Redis, so a slow or
 * absent Slack never holds up the runbook.
 */
export function slackReporter(deps: {
  poster: SlackPoster;
  store: Pick<RequestRecords, "get">;
  runs: Pick<RolloutRuns, "all">;
  inventory: Inventory;
  /** Least time between two renders of a rollout's root message in this process (the poster paces its edits). @defaultValue 1000 */
  rolloutEditMs?: number;
  log?: (line: string) => void;
}): SlackReporter {
  const steps = new Map<string, Map<StepName, "running" | "ok" | "failed">>();
  /** Sessions still open while a job drains, for its progress line. */
  const draining = new Map<string, number>();
  let chain: Promise<void> = Promise.resolve();
  const rollout = rolloutReporter(deps);

  const progressLine = (requestId: string) => {
    const seen = steps.get(requestId) ?? new Map();
    const mark = { running: "…", ok: "✓", failed: "✗" } as const;
    const line = STEPS.filter((s) => seen.has(s))
      .map((s) => `${s} ${mark[seen.get(s) as keyof typeof mark]}`)
      .join(" · ");
    const open = draining.get(requestId);
    return open === undefined || seen.get("drain") !== "running"
      ? line
      : `${line} (${sessionsPhrase(open)})`;
  };

  const handle = async (event: RunbookEvent) => {
    const { requestId } = event;
    const thread = { key: rootKey(requestId) };
    const stored = await deps.store.get(requestId);
    const channel = stored?.channel;
    if (!channel) return;
    if (stored.rollout) {
      await rollout.handle(event, stored);
      return;
    }
    if (event.type === "job-started") {
      const request = await deps.store.get(requestId);
      if (request)
        await updateRoot(deps.poster, request, deps.inventory, { progress: "starting…" });
      await deps.poster.post({
        channel,
        thread,
        content: {
          text: event.resumed
            ? "Resuming after a worker was lost: reading the journal and the host's state."
            : "Starting.",
        },
      });
      return;
    }
    if (event.type === "step-started" || event.type === "step-finished") {
      const seen = steps.get(requestId) ?? new Map<StepName, "running" | "ok" | "failed">();
      steps.set(requestId, seen);
      seen.set(event.step, event.type === "step-started" ? "running" : event.ok ? "ok" : "failed");
      const request = await deps.store.get(requestId);
      if (request)
        await updateRoot(deps.poster, request, deps.inventory, {
          progress: progressLine(requestId),
        });
      if (event.type === "step-started") return;
      const exit = exitText(event);
      const head = `${event.ok ? ":white_check_mark:" : ":x:"} *${event.step}* (${exit}${(event.durationMs / 1000).toFixed(1)} s)${event.detail ? `: ${event.detail}` : ""}`;
      const lines = (event.output ?? "").split("\n").filter((l) => l.trim() !== "");
      await deps.poster.post({
        channel,
        thread,
        content: { text: event.excerpt ? `${head}\n\`\`\`${event.excerpt}\`\`\`` : head },
      });
      if (lines.length > INLINE_LINES && event.output) {
        await deps.poster.upload({
          channel,
          thread,
          filename: `${requestId}-${event.step}-${Date.now()}.txt`,
          title: `${event.step} output (${lines.length} lines)`,
          content: event.output,
        });
      }
      return;
    }
    if (event.type === "connection-lost") {
      const until = event.retryUntil.replace("T", " ").slice(0, 16);
      await deps.poster.post({
        channel,
        thread,
        content: {
          text: `:warning: Lost SSH to the host during the upgrade (${event.step}: ${event.reason}); retrying until ${until} UTC. The services may be down meanwhile.`,
        },
      });
      const request = await deps.store.get(requestId);
      if (request)
        await updateRoot(deps.poster, request, deps.inventory, {
          progress: `${progressLine(requestId)} · SSH lost, retrying`,
        });
      return;
    }
    if (event.type === "sessions-before-stop") {
      await deps.poster.post({ channel, thread, content: { text: sessionsText(event) } });
      return;
    }
    if (event.type === "drain-waiting" || event.type === "drain-count") {
      draining.set(requestId, event.count);
      if (event.type === "drain-waiting") {
        await deps.poster.post({
          channel,
          thread,
          content: { text: drainWaitingText(event, `/kcm cancel ${requestId}`) },
        });
      }
      const request = await deps.store.get(requestId);
      if (request)
        await updateRoot(deps.poster, request, deps.inventory, {
          progress: progressLine(requestId),
        });
      return;
    }
    if (event.type === "connection-restored") {
      await deps.poster.post({
        channel,
        thread,
        content: {
          text: `SSH is back after ${(event.lostMs / 1000).toFixed(0)} s: reading the host's state (versions, units, yum history) to go on.`,
        },
      });
      return;
    }
    // job-finished: the processor recorded the outcome on the request before reporting it.
    const summary = describeOutcome(event.outcome);
    // Keyed: a job redelivered after its outcome reports it again, and it shows once.
    await deps.poster.post({
      channel,
      thread,
      key: `${requestId}:outcome`,
      content: { text: summary },
    });
    const request = await deps.store.get(requestId);
    if (request) {
      await updateRoot(deps.poster, request, deps.inventory, {
        progress: progressLine(requestId),
        result: summary.split("\n")[0] ?? "",
      });
    }
    // The job is over: a long-running worker keeps nothing of it.
    steps.delete(requestId);
    draining.delete(requestId);
  };

  return {
    report(event) {
      chain = chain
        .then(() => handle(event))
        .catch((error: unknown) => {
          // Chat must never fail an upgrade: the journal and the audit stream have it all.
          deps.log?.(`slack reporter: ${error instanceof Error ? error.message : String(error)}`);
        });
    },
    flush: () => chain,
  };
}

/** A step as a rollout host's reply lists it. */
interface StepLine {
  step: StepName;
  ok: boolean;
  text: string;
}

/**
 * A rollout host's events: no reply per step (a fleet would outrun Slack's
 * pace), but the root message's line per host (rendered at most every
 * `rolloutEditMs`, the last state always shown; the poster sends one edit of
 * a message every 3 s at most), a failure at once (with its
 * output as a file when long), and ONE reply per host when it ends: its
 * steps with exit codes and durations, and how it ended.
 */
function rolloutReporter(deps: Parameters<typeof slackReporter>[0]) {
  const editMs = deps.rolloutEditMs ?? 1000;
  const lines = new Map<string, StepLine[]>();
  const timers = new Map<string, { timer: NodeJS.Timeout; dirty: boolean }>();

  const render = async (requestId: string) => {
    const request = await deps.store.get(requestId);
    if (!request) return;
    const runs = await deps.runs.all(requestId);
    await updateRoot(deps.poster, request, deps.inventory, { runs });
  };
  const renderSoon = (requestId: string) => {
    const pending = timers.get(requestId);
    if (pending) {
      pending.dirty = true;
      return;
    }
    const fire = () => {
      const state = timers.get(requestId);
      if (state?.dirty) {
        state.dirty = false;
        state.timer = setTimeout(fire, editMs).unref();
        render(requestId).catch(() => undefined);
      } else timers.delete(requestId);
    };
    timers.set(requestId, { timer: setTimeout(fire, editMs).unref(), dirty: false });
    render(requestId).catch(() => undefined);
  };

  const handle = async (event: RunbookEvent, request: UpgradeRequest) => {
    const key = `${event.requestId}:${event.host}`;
    const thread = { key: rootKey(event.requestId) };
    const post = (text: string, messageKey?: string) =>
      deps.poster.post({
        channel: request.channel,
        thread,
        ...(messageKey ? { key: messageKey } : {}),
        content: { text },
      });
    switch (event.type) {
      case "job-started":
      case "step-started":
        renderSoon(event.requestId);
        return;
      case "step-finished": {
        const exit = exitText(event);
        const text = `${event.ok ? "✓" : "✗"} ${event.step} (${exit}${(event.durationMs / 1000).toFixed(1)} s)${event.detail ? `: ${escapeMrkdwn(event.detail)}` : ""}`;
        lines.set(key, [...(lines.get(key) ?? []), { step: event.step, ok: event.ok, text }]);
        if (!event.ok) {
          // A failure is posted at once, with what the host said.
          await post(
            `:x: \`${event.host}\` ${text}${event.excerpt ? `\n\`\`\`${escapeMrkdwn(event.excerpt)}\`\`\`` : ""}`,
            `${key}:failed:${event.step}`,
          );
          const outputLines = (event.output ?? "").split("\n").filter((l) => l.trim() !== "");
          if (outputLines.length > INLINE_LINES && event.output) {
            await deps.poster.upload({
              channel: request.channel,
              thread,
              filename: `${event.requestId}-${event.host}-${event.step}.txt`,
              title: `${event.host}: ${event.step} output (${outputLines.length} lines)`,
              content: event.output,
            });
          }
        }
        renderSoon(event.requestId);
        return;
      }
      case "sessions-before-stop":
        lines.set(key, [
          ...(lines.get(key) ?? []),
          { step: "stop", ok: true, text: sessionsText(event) },
        ]);
        return;
      case "drain-waiting":
        // One line in the host's reply; the root's line per host shows the count as it goes.
        lines.set(key, [
          ...(lines.get(key) ?? []),
          { step: "drain", ok: true, text: drainWaitingText(event) },
        ]);
        return;
      case "drain-count":
        return;
      case "connection-lost":
        await post(
          `:warning: \`${event.host}\`: lost SSH during the upgrade (${event.step}: ${event.reason}); retrying until ${event.retryUntil.replace("T", " ").slice(0, 16)} UTC. Its services may be down meanwhile.`,
        );
        return;
      case "connection-restored":
        await post(`\`${event.host}\`: SSH is back after ${(event.lostMs / 1000).toFixed(0)} s.`);
        return;
      case "job-finished": {
        const steps = (lines.get(key) ?? []).map((l) => l.text).join("\n");
        const summary = escapeMrkdwn(describeOutcome(event.outcome));
        // Keyed: a job redelivered after its outcome reports it again, and it shows once.
        await post(
          `*${event.host}*: ${summary}${steps ? `\n\`\`\`${steps}\`\`\`` : ""}`.slice(0, 3900),
          `${key}:outcome`,
        );
        lines.delete(key);
        renderSoon(event.requestId);
        return;
      }
    }
  };
  return { handle };
}

/** A step's exit code as its line says it ("exit 0, "); the drain runs no command of its own. */
function exitText(event: Extract<RunbookEvent, { type: "step-finished" }>): string {
  if (event.step === "drain") return "";
  return event.exitCode === null ? "no exit code, " : `exit ${event.exitCode}, `;
}

/** What the thread says once when a job begins waiting for sessions to end. */
function drainWaitingText(
  event: Extract<RunbookEvent, { type: "drain-waiting" }>,
  cancel?: string,
): string {
  const until = `${event.until.slice(11, 16)} UTC${event.windowEnd ? " (just before the window ends)" : ""}`;
  const then =
    event.onTimeout === "proceed"
      ? "then the stop goes ahead anyway"
      : "then the host is left as it is, nothing stopped";
  const head = event.resumed ? "Still waiting (picked up after a lost worker)" : "Waiting";
  const lines = [
    `:hourglass_flowing_sand: ${head} for ${sessionsPhrase(event.count)} to end before the stop: counting every ${event.pollSeconds} s until ${until}, ${then}.`,
  ];
  if (cancel) lines.push(`\`${cancel}\` ends the request now, with nothing stopped.`);
  return lines.join("\n");
}

/** What the thread says just before the stop: how many sessions it cuts. */
function sessionsText(event: Extract<RunbookEvent, { type: "sessions-before-stop" }>): string {
  if (event.count === null)
    return `Stopping; active sessions unknown (${escapeMrkdwn(event.unknown ?? "not counted")}).`;
  if (event.count === 0) return "Stopping with no active sessions.";
  return `:warning: Stopping with ${event.count} active session${event.count === 1 ? "" : "s"}: the stop cuts ${event.count === 1 ? "it" : "them"} off.`;
}
