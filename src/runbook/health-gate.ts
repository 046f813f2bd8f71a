import type { HostConfig } from "../config/inventory-schema.js";
import { SHOW_UNITS, unitsOf } from "../kcm/commands.js";
import { resolveLayout } from "../kcm/detect-layout.js";
import { parseUnitStates } from "../kcm/parse-unit-states.js";
import { type HostShell, overConnection } from "./host-shell.js";

/**
 * The health gate between a rollout's batches: each host answers over SSH,
 * the units of its layout are active (`systemctl show`, no root, no yum),
 * and its probe (where the inventory configures one) passes.
 */
export function healthGate(deps: {
  connect: (host: string) => Promise<HostShell>;
  commandTimeoutMs: number;
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
  const down = await unitsDown(deps, host);
  if (down !== undefined) return down;
  if (!host.health) return undefined;
  const probe = await deps.probe(host);
  return probe.ok ? undefined : `probe: ${probe.detail}`;
}

/** Which of the layout's units are not active (a sentence), or undefined when all are. */
async function unitsDown(
  deps: Parameters<typeof healthGate>[0],
  host: HostConfig,
): Promise<string | undefined> {
  const ran = await overConnection(deps.connect, host.name, (shell) =>
    shell.exec(SHOW_UNITS, { timeoutMs: deps.commandTimeoutMs }),
  );
  if (!ran.ok) return ran.reason;
  const parsed = parseUnitStates(ran.value);
  if (parsed.kind === "failed") return parsed.failure.summary;
  if (parsed.kind === "unrecognised") return "systemctl printed something unexpected";
  const layout = resolveLayout(host.layout, parsed.units).layout;
  if (layout === undefined) return "the service layout could not be told";
  const down = unitsOf(layout).flatMap((unit) => {
    const state = parsed.units.find((u) => u.unit === unit)?.activeState ?? "not found";
    return state === "active" ? [] : [`${unit} is ${state}`];
  });
  return down.length > 0 ? down.join(", ") : undefined;
}
