/**
 * What a scheduled fleet check tells the channel: only what changed since
 * the last notice. Pure: the use case (requests/notify-fleet.ts) reads the
 * hosts and the last state, asks {@link fleetNotice}, posts, and keeps the
 * new state.
 */
import { z } from "zod";

/** What a fleet check found, per host, that a notice is about. */
export const fleetStateSchema = z.object({
  /** Host → the KCM version yum would bring it to (only hosts with something pending). */
  pending: z.record(z.string(), z.string()),
  /** Host → why its check failed (only failing hosts). */
  failing: z.record(z.string(), z.string()),
});
export type FleetState = z.infer<typeof fleetStateSchema>;

/** Everything up to date and answering: where a fleet with no notice yet starts. */
export const QUIET_FLEET: FleetState = { pending: {}, failing: {} };

/** What changed, for people. Empty lists mean nothing of that kind. */
export interface FleetNotice {
  /** Versions newly pending, each with the hosts that now wait for it (hosts sorted). */
  releases: { version: string; hosts: string[] }[];
  /** Hosts whose check fails now and did not before (or fails for another reason). */
  failing: { host: string; reason: string }[];
  /** Hosts that failed before and answer now. */
  recovered: string[];
}

/**
 * The notice from `before` to `now`, or undefined when nothing changed that
 * people should hear of: a host's pending version that is new to it, a host
 * newly failing (or failing for a new reason), a host recovered (among the
 * `checked` hosts). A version that went away (upgraded) or a host that left
 * the inventory is no news.
 */
export function fleetNotice(
  before: FleetState,
  now: FleetState,
  checked: readonly string[],
): FleetNotice | undefined {
  const byVersion = new Map<string, string[]>();
  for (const [host, version] of Object.entries(now.pending)) {
    if (before.pending[host] === version) continue;
    byVersion.set(version, [...(byVersion.get(version) ?? []), host]);
  }
  const releases = [...byVersion]
    .map(([version, hosts]) => ({ version, hosts: hosts.sort() }))
    .sort((a, b) => a.version.localeCompare(b.version, "en", { numeric: true }));
  const failing = Object.entries(now.failing)
    .filter(([host, reason]) => before.failing[host] !== reason)
    .map(([host, reason]) => ({ host, reason }))
    .sort((a, b) => a.host.localeCompare(b.host));
  const recovered = Object.keys(before.failing)
    .filter((host) => now.failing[host] === undefined && checked.includes(host))
    .sort();
  if (releases.length + failing.length + recovered.length === 0) return undefined;
  return { releases, failing, recovered };
}
