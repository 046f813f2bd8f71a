import type { Inventory } from "../config/inventory-schema.js";
import { formatWindow } from "../domain/maintenance-window.js";
import type { UpgradeRequest } from "../domain/upgrade-request.js";
import { type RequestView, requestBlocks } from "./blocks/request-blocks.js";
import { rolloutEndLines } from "./blocks/rollout-blocks.js";
import type { SlackPoster } from "./poster/index.js";

/** The poster key of a request's root message (its thread). */
export function rootKey(requestId: string): string {
  return `request:${requestId}`;
}

/** The time zone a host's windows are told in: its window's, else UTC. */
export function hostTimeZone(inventory: Inventory, host: string): string {
  const window = inventory.hosts.find((h) => h.name === host)?.window;
  return (window && inventory.windows.get(window)?.timeZone) || "UTC";
}

/** The run window as people read it, in the host's time zone. */
export function windowLabelOf(request: UpgradeRequest, inventory: Inventory): string {
  const label = formatWindow(
    { start: new Date(request.runWindow.start), end: new Date(request.runWindow.end) },
    hostTimeZone(inventory, request.host),
  );
  return request.emergency ? `:rotating_light: EMERGENCY ${label}` : label;
}

/** Re-renders a request's root message (coalesced by the poster: only the latest goes out). */
export async function updateRoot(
  poster: SlackPoster,
  request: UpgradeRequest,
  inventory: Inventory,
  extra: Omit<RequestView, "windowLabel"> = {},
): Promise<void> {
  // A rollout that is over ends with its tally, whoever renders it last.
  const end = extra.runs ? rolloutEndLines(request, extra.runs)?.[0] : undefined;
  await poster.update(
    rootKey(request.id),
    requestBlocks(request, {
      windowLabel: windowLabelOf(request, inventory),
      ...extra,
      ...(end ? { result: end } : {}),
    }),
  );
}
