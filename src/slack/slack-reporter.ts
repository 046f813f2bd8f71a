import { describeOutcome } from "../chat/describe-outcome.js";
import { type Reporter, type RunbookEvent, STEPS, type StepName } from "../chat/runbook-event.js";
import type { Inventory } from "../config/inventory-schema.js";
import type { RequestRecords } from "../requests/ports.js";
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
  inventory: Inventory;
  log?: (line: string) => void;
}): SlackReporter {
  const steps = new Map<string, Map<StepName, "running" | "ok" | "failed">>();
  let chain: Promise<void> = Promise.resolve();

  const progressLine = (requestId: string) => {
    const seen = steps.get(requestId) ?? new Map();
    const mark = { running: "…", ok: "✓", failed: "✗" } as const;
    return STEPS.filter((s) => seen.has(s))
      .map((s) => `${s} ${mark[seen.get(s) as keyof typeof mark]}`)
      .join(" · ");
  };

  const handle = async (event: RunbookEvent) => {
    const { requestId } = event;
    const thread = { key: rootKey(requestId) };
    const channel = (await deps.store.get(requestId))?.channel;
    if (!channel) return;
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
      const exit = event.exitCode === null ? "no exit code" : `exit ${event.exitCode}`;
      const head = `${event.ok ? ":white_check_mark:" : ":x:"} *${event.step}* (${exit}, ${(event.durationMs / 1000).toFixed(1)} s)${event.detail ? `: ${event.detail}` : ""}`;
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
