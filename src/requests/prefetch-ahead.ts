import type { Inventory } from "../config/inventory-schema.js";
import type { HostPrefetcher, RequestRecords, RolloutRuns } from "./ports.js";

/** What downloading ahead needs. */
export interface PrefetchAheadDeps {
  inventory: Pick<Inventory, "hosts">;
  requests: Pick<RequestRecords, "get">;
  runs: Pick<RolloutRuns, "all">;
  prefetcher: HostPrefetcher;
}

/**
 * Downloads a rollout host's packages while the batch before it runs, so its
 * own job finds them in yum's cache: the mirror's bandwidth is used while
 * other hosts are in their downtime, not between batches. Only while the
 * rollout goes on and the host's job has not begun (its own prefetch does it
 * then); a failure here changes nothing (the job's prefetch step tries again
 * and says why). Resolves to one line on what it did.
 */
export async function prefetchAhead(
  deps: PrefetchAheadDeps,
  requestId: string,
  host: string,
): Promise<string> {
  const request = await deps.requests.get(requestId);
  const planned = request?.rollout?.hosts.find((h) => h.host === host);
  if (!request || !planned) return "not a host of a rollout";
  if (request.state !== "approved" && request.state !== "running") {
    return `skipped: the request is ${request.state}`;
  }
  const run = (await deps.runs.all(requestId)).get(host);
  if (run !== undefined && run.state !== "waiting" && run.state !== "queued") {
    return `skipped: ${host} is ${run.state}`;
  }
  const config = deps.inventory.hosts.find((h) => h.name === host);
  if (!config) return `skipped: ${host} is not in the inventory`;
  const result = await deps.prefetcher.prefetch(config, planned.plan);
  return result.ok
    ? `prefetched ${host}`
    : `prefetch of ${host} failed (its job will retry): ${result.detail}`;
}
