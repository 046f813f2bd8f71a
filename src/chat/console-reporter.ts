import { describeOutcome, sessionsPhrase } from "./describe-outcome.js";
import type { Reporter, RunbookEvent } from "./runbook-event.js";

/**
 * A Reporter that writes each event as lines of text (for the worker's log,
 * and for use before the Slack app exists).
 */
export function consoleReporter(
  write: (line: string) => void = (l) => process.stdout.write(`${l}\n`),
): Reporter {
  return {
    report(event: RunbookEvent) {
      const who = `[${event.requestId} ${event.host}]`;
      switch (event.type) {
        case "job-started":
          write(`${who} ${event.resumed ? "resuming" : "starting"} ${event.kind}`);
          return;
        case "step-started":
          write(`${who} ▶ ${event.step}${event.command ? `: ${event.command}` : ""}`);
          return;
        case "step-finished": {
          const exit = event.exitCode === null ? "" : `exit ${event.exitCode}, `;
          write(
            `${who} ${event.ok ? "✓" : "✗"} ${event.step} (${exit}${(event.durationMs / 1000).toFixed(1)} s)${event.detail ? ` ${event.detail}` : ""}`,
          );
          for (const line of event.ok ? [] : event.excerpt.split("\n").filter(Boolean))
            write(`${who}     ${line}`);
          return;
        }
        case "connection-lost":
          write(
            `${who} ⚠ lost SSH to the host during ${event.step} (${event.reason}); retrying until ${event.retryUntil}`,
          );
          return;
        case "connection-restored":
          write(
            `${who} SSH is back after ${(event.lostMs / 1000).toFixed(1)} s (${event.attempts} attempts): reading the host's state to go on`,
          );
          return;
        case "drain-waiting":
          write(
            `${who} ${event.resumed ? "still waiting" : "waiting"} for ${sessionsPhrase(event.count)} to end (every ${event.pollSeconds} s, until ${event.until}, then ${event.onTimeout})`,
          );
          return;
        case "drain-count":
          write(`${who} ${sessionsPhrase(event.count)} still open`);
          return;
        case "job-finished":
          for (const line of describeOutcome(event.outcome).split("\n")) write(`${who} ${line}`);
          return;
      }
    },
  };
}
