import type { HostConfig } from "../config/inventory-schema.js";
import type { HostCheck } from "../kcm/host-check.js";

/**
 * The health gate between a rollout's batches, over the host checker: each
 * host answers, its units are active, and its probe (where the inventory
 * configures one) passes.
 */
export function healthGate(deps: {
  check: (host: HostConfig) => Promise<HostCheck>;
  probe: (host: HostConfig) => Promise<{ ok: boolean; detail: string }>;
}): { check(hosts: readonly HostConfig[]): Promise<{ host: string; problem: string }[]> } {
  return {
    async check(hosts) {
      const verdicts = await Promise.all(
        hosts.map(async (host) => ({ host: host.name, problem: await problemOf(deps, host) })),
      );
      return verdicts.flatMap(({ host, problem }) => (problem ? [{ host, problem }] : []));
    },
  };
}

async function problemOf(
  deps: Parameters<typeof healthGate>[0],
  host: HostConfig,
): Promise<string | undefined> {
  const check = await deps.check(host);
  const connection = check.problems.find((p) => p.source === "connection");
  if (connection) return connection.summary;
  const down = (check.services ?? []).filter((s) => s.activeState !== "active");
  if (check.services === undefined || check.services.length === 0) {
    return "the service units could not be read";
  }
  if (down.length > 0) return down.map((s) => `${s.unit} is ${s.activeState}`).join(", ");
  if (!host.health) return undefined;
  const probe = await deps.probe(host);
  return probe.ok ? undefined : `probe: ${probe.detail}`;
}
