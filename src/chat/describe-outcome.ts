import { formatPackageVersion } from "../kcm/package-version.js";
import type { JobOutcome } from "./runbook-event.js";

/** "1 active session", "3 active sessions". */
export function sessionsPhrase(count: number): string {
  return `${count} active session${count === 1 ? "" : "s"}`;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** One paragraph for people: how a job ended, before → after per package, downtime, total time. */
export function describeOutcome(outcome: JobOutcome): string {
  switch (outcome.kind) {
    case "upgraded":
    case "rolled-back": {
      const verb = outcome.kind === "upgraded" ? "Upgraded" : "Rolled back";
      const lines = [
        `${verb} ${outcome.changes.length} package${outcome.changes.length === 1 ? "" : "s"}; downtime ${seconds(outcome.downtimeMs)}, total ${seconds(outcome.totalMs)}${outcome.transactionId === undefined ? "" : ` (yum transaction ${outcome.transactionId})`}.`,
        ...outcome.changes.map(
          (c) =>
            `  ${c.name} ${c.from ? formatPackageVersion(c.from) : "(new)"} → ${formatPackageVersion(c.to)}`,
        ),
        `Services: ${outcome.services.map((s) => `${s.unit} ${s.state}`).join(", ")}.`,
      ];
      if (outcome.stillPending.length > 0) {
        lines.push(`Still pending (published since the plan): ${outcome.stillPending.join(", ")}.`);
      }
      return lines.join("\n");
    }
    case "up-to-date":
      return "Already up to date: nothing was pending, nothing was stopped.";
    case "plan-drift": {
      const d = outcome.difference;
      return [
        "What is pending no longer matches the approved plan; nothing was stopped. Make a new plan and ask for approval again.",
        ...d.added.map((p) => `  newly pending: ${p}`),
        ...d.removed.map((p) => `  no longer pending: ${p}`),
        ...d.changed.map((p) => `  other version: ${p}`),
      ].join("\n");
    }
    case "cancelled":
      return outcome.during === "drain"
        ? "Cancelled while waiting for sessions to end: nothing was stopped."
        : "Cancelled before it began: nothing was run on the host.";
    case "window-missed":
      return `Window missed: the job started at ${outcome.startedAt}, after its maintenance window ended at ${outcome.windowEnd}. Nothing was run on the host.`;
    case "failed": {
      const services =
        outcome.services.length > 0
          ? `Services now: ${outcome.services.map((s) => `${s.unit} ${s.state}`).join(", ")}.`
          : "";
      if (outcome.servicesDown) {
        return [
          `:rotating_light: THE SERVICES ARE DOWN. ${services} The worker gave up bringing them back; a person must, now.`,
          "On the host, as root:",
          ...outcome.servicesDown.commands.map((c) => `  ${c}`),
          `Failed at ${outcome.step}: ${outcome.summary}`,
          ...outcome.evidence.map((e) => `  ${e}`),
        ].join("\n");
      }
      return [
        `Failed at ${outcome.step}: ${outcome.summary}`,
        ...outcome.evidence.map((e) => `  ${e}`),
        outcome.downtimeStarted ? services : "Nothing was stopped.",
      ]
        .filter(Boolean)
        .join("\n");
    }
  }
}
