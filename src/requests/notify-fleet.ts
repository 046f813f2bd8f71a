import { createHash } from "node:crypto";
import type { Inventory } from "../config/inventory-schema.js";
import { type FleetNotice, type FleetState, fleetNotice } from "../domain/fleet-notice.js";
import { type HostCheck, releaseChange } from "../kcm/host-check.js";
import { formatPackageVersion } from "../kcm/package-version.js";
import { busyHosts } from "./busy-hosts.js";
import type { FleetNotices, FleetView, HostChecker, HostLocks, RequestChat } from "./ports.js";

/** What a scheduled fleet check needs. */
export interface NotifyFleetDeps {
  inventory: Pick<Inventory, "hosts" | "slack">;
  checker: Pick<HostChecker, "checkMany">;
  locks: HostLocks;
  notices: FleetNotices;
  chat: Pick<RequestChat, "fleetNotice">;
  /** Each host's last check, for the App Home. */
  fleet: Pick<FleetView, "record">;
  now: () => Date;
}

/** The KCM version a host's pending updates bring it to. */
function releaseOf(check: HostCheck): string | undefined {
  const change = releaseChange(check);
  return change ? formatPackageVersion(change.to) : undefined;
}

/**
 * The scheduled check (a BullMQ job scheduler fires it; one for the whole
 * deployment): checks every host but those being upgraded (they keep their
 * last state), and tells the inventory's first channel what changed since the
 * last notice, if anything: a release newly pending (grouped by version,
 * with a button to ask for it), a host newly failing, a host recovered.
 * The state is kept after the post; the post is keyed by the change, so a
 * check run again after a crash between the two posts nothing new.
 * Resolves to the notice given, or undefined.
 */
export async function notifyFleet(deps: NotifyFleetDeps): Promise<FleetNotice | undefined> {
  const channel = deps.inventory.slack?.channels[0];
  if (channel === undefined) return undefined;
  const before = await deps.notices.last();
  const busy = await busyHosts(deps.locks, deps.inventory.hosts);
  const checks = await deps.checker.checkMany(
    deps.inventory.hosts.filter((h) => !busy.has(h.name)),
  );
  const now: FleetState = { pending: {}, failing: {} };
  const reasons = new Map<string, string>();
  for (const check of checks) {
    const problem = check.problems[0];
    if (problem) {
      now.failing[check.host] = problem.code;
      reasons.set(check.host, problem.summary);
      // What it waited for is not known now: the last known, so its return is no release news.
      const known = before.pending[check.host];
      if (known !== undefined) now.pending[check.host] = known;
      continue;
    }
    const release = releaseOf(check);
    if (release) now.pending[check.host] = release;
  }
  // A host being upgraded keeps what it was: its yum belongs to the upgrade now.
  for (const host of busy.keys()) {
    const pending = before.pending[host];
    const failing = before.failing[host];
    if (pending !== undefined) now.pending[host] = pending;
    if (failing !== undefined) now.failing[host] = failing;
  }
  const notice = fleetNotice(
    before,
    now,
    checks.map((c) => c.host),
  );
  if (notice)
    await deps.chat.fleetNotice(
      channel,
      notice,
      reasons,
      `fleet-notice:${digest(before)}:${digest(now)}`,
    );
  await deps.notices.save(now);
  return notice;
}

/** A short, stable digest of a state (keys sorted). */
function digest(state: FleetState): string {
  const sorted = (record: Record<string, string>) =>
    Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
  const text = JSON.stringify({ pending: sorted(state.pending), failing: sorted(state.failing) });
  return createHash("sha256").update(text).digest("hex").slice(0, 16);
}
