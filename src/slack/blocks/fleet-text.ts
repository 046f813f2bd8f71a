import type { Inventory } from "../../config/inventory-schema.js";
import type { HostRun } from "../../domain/rollout.js";
import type { UpgradeRequest } from "../../domain/upgrade-request.js";
import { slackDate } from "./request-blocks.js";
import { hostRunLine } from "./rollout-blocks.js";

/** `/kcm hosts`: the inventory as people need it: hosts, layouts, groups, windows. */
export function hostsText(inventory: Inventory): string {
  const windows = [...inventory.windows].map(
    ([name, w]) =>
      `• \`${name}\`: ${w.days.join(", ")} ${w.start} for ${w.durationMinutes} min (${w.timeZone})`,
  );
  const groups = [...inventory.groups].map(
    ([name, g]) => `• \`${name}\`: ${g.hosts.join(", ")}${g.window ? ` (window ${g.window})` : ""}`,
  );
  const hosts = inventory.hosts.map(
    (h) =>
      `• \`${h.name}\` ${h.address}: layout ${h.layout}${h.window ? `, window ${h.window}` : ", no window"}`,
  );
  return [
    `*Hosts* (${inventory.hosts.length})`,
    ...hosts,
    ...(groups.length ? ["*Groups*", ...groups] : []),
    ...(windows.length ? ["*Maintenance windows*", ...windows] : []),
  ].join("\n");
}

/** `/kcm status [host]`: pending, scheduled, running and recently finished requests. */
export function statusText(
  requests: readonly UpgradeRequest[],
  host?: string,
  runs: ReadonlyMap<string, ReadonlyMap<string, HostRun>> = new Map(),
): string {
  if (requests.length === 0) return host ? `No requests for \`${host}\` yet.` : "No requests yet.";
  const line = (r: UpgradeRequest) => {
    const head = `• \`${r.id}\` ${r.rollout ? `rollout (${r.rollout.hosts.length} hosts)` : r.kind} of \`${r.host}\` by <@${r.requestedBy}>: *${r.state}* (asked ${slackDate(r.createdAt)}, runs ${slackDate(r.runWindow.start)})`;
    if (!r.rollout) return head;
    // A rollout: each host's line, indented.
    const hostRuns = runs.get(r.id) ?? new Map<string, HostRun>();
    return [
      head,
      ...r.rollout.hosts.map((h) => `    ${hostRunLine(h.host, hostRuns.get(h.host))}`),
    ].join("\n");
  };
  const open = requests.filter((r) =>
    ["pending", "awaiting-emergency", "approved", "running"].includes(r.state),
  );
  const done = requests.filter((r) => !open.includes(r)).slice(0, 10);
  return [
    ...(open.length ? ["*Open*", ...open.map(line)] : ["Nothing open."]),
    ...(done.length ? ["*Recently finished*", ...done.map(line)] : []),
  ].join("\n");
}
