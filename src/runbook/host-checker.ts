import type { HostCheck } from "../kcm/host-check.js";
import { checkFleet } from "./check-fleet.js";
import { type CheckDeps, type CheckTarget, checkHost } from "./check-host.js";

/**
 * The request use cases' host checker (`requests/ports.ts`): one host, or
 * many `concurrency` at a time, over the connections `deps.connect` opens.
 * Checks of one host that overlap share one check over SSH (two yums on one
 * host would collide on its lock); a check asked for after it ended runs anew.
 */
export function hostChecker(deps: CheckDeps & { concurrency: number }) {
  const inFlight = new Map<string, Promise<HostCheck>>();
  const shared = (host: CheckTarget): Promise<HostCheck> => {
    const running = inFlight.get(host.name);
    if (running) return running;
    const check = checkHost(host, deps).finally(() => inFlight.delete(host.name));
    inFlight.set(host.name, check);
    return check;
  };
  return {
    check: shared,
    checkMany: (hosts: readonly CheckTarget[]): Promise<HostCheck[]> =>
      checkFleet(hosts, { ...deps, concurrency: deps.concurrency, checkOne: shared }),
  };
}
