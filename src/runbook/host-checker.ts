import type { HostCheck } from "../kcm/host-check.js";
import { checkFleet } from "./check-fleet.js";
import { type CheckDeps, type CheckTarget, checkHost } from "./check-host.js";

/**
 * The request use cases' host checker (`requests/ports.ts`): one host, or
 * many `concurrency` at a time, over the connections `deps.connect` opens.
 */
export function hostChecker(deps: CheckDeps & { concurrency: number }) {
  return {
    check: (host: CheckTarget): Promise<HostCheck> => checkHost(host, deps),
    checkMany: (hosts: readonly CheckTarget[]): Promise<HostCheck[]> =>
      checkFleet(hosts, { ...deps, concurrency: deps.concurrency }),
  };
}
