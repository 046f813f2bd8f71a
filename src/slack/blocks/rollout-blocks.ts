import { type HostRun, isSettled, type Rollout, type RolloutPolicy } from "../../domain/rollout.js";
import type { UpgradePlan } from "../../domain/upgrade-plan.js";
import type { UpgradeRequest } from "../../domain/upgrade-request.js";
import { formatPackageVersion } from "../../kcm/package-version.js";
import { escapeMrkdwn } from "./mrkdwn.js";

/** "canary 1, then 5 at a time, stop at the first failure". */
export function describePolicy(policy: RolloutPolicy): string {
  const canary = policy.canary > 0 ? `canary ${policy.canary}, then ` : "";
  const failure =
    policy.onFailure === "stop" ? "stop at the first failure" : "go on after a failure";
  return `${canary}${policy.maxParallel} at a time, ${failure}`;
}

/** One host's change in a line: the main package's from → to, and how many packages. */
function changeOf(plan: UpgradePlan): string {
  const main =
    plan.packages.find((p) => p.name === "kcm-guacamole") ??
    plan.packages.find((p) => p.name === "kcm-guacd") ??
    plan.packages[0];
  if (!main) return "(nothing)";
  const from = main.from ? formatPackageVersion(main.from) : "-";
  const count = plan.packages.length;
  return `${from} → ${formatPackageVersion(main.to)} (${count} package${count === 1 ? "" : "s"})`;
}

/** ", 3 sessions" in a host's row (as at plan time), or nothing when not counted. */
function sessionsCell(sessions: number | null | undefined): string {
  if (sessions === undefined) return "";
  return sessions === null ? ", sessions ?" : `, ${sessions} session${sessions === 1 ? "" : "s"}`;
}

/** The rollout's plan as a compact table (host, from → to), then the hosts left out and why. */
export function rolloutPlanText(rollout: Rollout, hash: string): string {
  const width = Math.max(...rollout.hosts.map((h) => h.host.length));
  const rows = rollout.hosts.map(
    (h) => `${h.host.padEnd(width)}  ${changeOf(h.plan)}${sessionsCell(h.sessions)}`,
  );
  const head = `*Plan* (${rollout.hosts.length} host${rollout.hosts.length === 1 ? "" : "s"}, hash \`${hash.slice(0, 12)}\`)`;
  const table = `\`\`\`${rows.join("\n")}\`\`\``;
  const left =
    rollout.leftOut.length === 0
      ? ""
      : `\n*Left out*\n${rollout.leftOut.map((l) => `• \`${l.host}\`: ${escapeMrkdwn(l.reason)}`).join("\n")}`;
  return `${head}\n${table}${left}`.slice(0, 3000);
}

/** A host's line on the root message: its state, current step and downtime. */
export function hostRunLine(host: string, run: HostRun | undefined): string {
  switch (run?.state) {
    case undefined:
    case "waiting":
      return `:white_circle: \`${host}\` waiting`;
    case "queued":
      return `:hourglass_flowing_sand: \`${host}\` queued`;
    case "running":
      return `:arrows_counterclockwise: \`${host}\` running${run.step ? `: ${run.step}` : ""}`;
    case "not-started":
      return `:black_square_for_stop: \`${host}\` not started (${run.reason})`;
    case "done": {
      const downtime =
        run.downtimeMs === undefined ? "" : `, downtime ${(run.downtimeMs / 1000).toFixed(1)} s`;
      // A failure's note is in the host's words.
      const note = run.note ? `: ${escapeMrkdwn(run.note)}` : "";
      switch (run.ending) {
        case "upgraded":
          return `:large_green_circle: \`${host}\` upgraded${downtime}${note}`;
        case "up-to-date":
          return `:white_check_mark: \`${host}\` already up to date`;
        case "plan-drift":
          return `:warning: \`${host}\` skipped${note}`;
        case "window-missed":
          return `:black_square_for_stop: \`${host}\` not started (window closed)`;
        case "cancelled":
          return `:black_square_for_stop: \`${host}\` not started (cancelled)`;
        case "failed":
          return `:red_circle: \`${host}\` failed${note}${downtime}`;
      }
    }
  }
}

/** Every host's line, in rollout order. */
export function rolloutProgressText(
  rollout: Pick<Rollout, "hosts">,
  runs: ReadonlyMap<string, HostRun>,
): string {
  return rollout.hosts
    .map((h) => hostRunLine(h.host, runs.get(h.host)))
    .join("\n")
    .slice(0, 3000);
}

/** How a host's run is counted in the tally. */
function tallyKey(run: HostRun | undefined): string {
  if (run?.state === "not-started") return "not started";
  if (run?.state !== "done") return "unfinished";
  switch (run.ending) {
    case "window-missed":
    case "cancelled":
      return "not started";
    case "up-to-date":
      return "already up to date";
    default:
      return run.ending;
  }
}

/** How many hosts ended which way: "3 upgraded, 1 failed, 2 not started". */
export function rolloutTally(
  rollout: Pick<Rollout, "hosts">,
  runs: ReadonlyMap<string, HostRun>,
): string {
  const counts = new Map<string, number>();
  for (const { host } of rollout.hosts) {
    const key = tallyKey(runs.get(host));
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([what, n]) => `${n} ${what}`).join(", ");
}

/**
 * The lines that end a rollout (the tally, who cancelled, how to go on after
 * a closed window), once it is over: the request is finished or cancelled
 * and every host settled. Undefined before. The root's last line and the
 * summary reply both come from it, so every render of the root agrees.
 */
export function rolloutEndLines(
  request: UpgradeRequest,
  runs: ReadonlyMap<string, HostRun>,
): string[] | undefined {
  const rollout = request.rollout;
  if (!rollout) return undefined;
  const over =
    ["succeeded", "failed", "cancelled"].includes(request.state) &&
    rollout.hosts.every((h) => {
      const run = runs.get(h.host);
      return run !== undefined && isSettled(run);
    });
  if (!over) return undefined;
  const closed = [...runs.values()].some(
    (r) =>
      (r.state === "not-started" && r.reason === "window closed") ||
      (r.state === "done" && r.ending === "window-missed"),
  );
  const cancel = request.history.findLast((h) => h.action === "cancelled");
  return [
    `${request.state === "succeeded" ? ":large_green_circle:" : ":red_circle:"} Rollout of \`${request.host}\` over: ${rolloutTally(rollout, runs)}.`,
    ...(cancel ? [`Cancelled by <@${cancel.by}>: no host started after that.`] : []),
    ...(closed
      ? [
          `The window closed before every host could start. \`/kcm upgrade ${request.host}\` plans what is left.`,
        ]
      : []),
  ];
}
