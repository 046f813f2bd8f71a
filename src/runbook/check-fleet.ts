import pLimit from "p-limit";
import type { HostCheck } from "../kcm/host-check.js";
import { type CheckDeps, type CheckTarget, checkHost } from "./check-host.js";

/** Options for {@link checkFleet}. */
export interface FleetCheckOptions extends CheckDeps {
  /** Hosts checked at once. @defaultValue 8 */
  concurrency?: number;
  /** Called as each host's check finishes, in completion order. */
  onHostChecked?: (check: HostCheck) => void;
  /** Checks one host. @defaultValue {@link checkHost} over these options */
  checkOne?: (host: CheckTarget) => Promise<HostCheck>;
}

/**
 * Checks many hosts, a bounded number at a time. Each host is bounded by its
 * own connect and command timeouts, so a dead host delays only itself.
 * Results come back in the order of `hosts`.
 */
export function checkFleet(
  hosts: readonly CheckTarget[],
  options: FleetCheckOptions,
): Promise<HostCheck[]> {
  return pLimit(options.concurrency ?? 8).map(hosts, async (host) => {
    const check = await (options.checkOne ?? ((h) => checkHost(h, options)))(host);
    options.onHostChecked?.(check);
    return check;
  });
}
