import type { HostConfig } from "../config/inventory-schema.js";
import type { UpgradePlan } from "../domain/upgrade-plan.js";
import { classifyHostFailure } from "../kcm/classify-host-failure.js";
import { packageSpec } from "../kcm/commands.js";
import { hostCommands } from "../kcm/host-commands.js";
import { type HostShell, overConnection, REAL_CLOCK } from "./host-shell.js";
import { retryWhileLocked } from "./transaction-step.js";

/**
 * Downloads a plan's exact packages on a host (the runbook's prefetch
 * command), waiting out another yum's lock for up to `lockWaitMs`. Never
 * rejects for the host's sake: a connection or yum failure is `ok: false`
 * with why.
 */
export function hostPrefetcher(deps: {
  connect: (host: string) => Promise<HostShell>;
  commandTimeoutMs: number;
  /** @defaultValue 120000 */
  lockWaitMs?: number;
}) {
  return {
    async prefetch(host: HostConfig, plan: UpgradePlan): Promise<{ ok: boolean; detail: string }> {
      const command = hostCommands(host).prefetch(plan.packages.map(packageSpec));
      const ran = await overConnection(deps.connect, host.name, (shell) =>
        retryWhileLocked(() => shell.exec(command, { timeoutMs: deps.commandTimeoutMs }), {
          waitMs: deps.lockWaitMs ?? 120_000,
          pollMs: 1000,
          ...REAL_CLOCK,
        }),
      );
      if (!ran.ok) return { ok: false, detail: ran.reason };
      if (ran.value.exitCode === 0) return { ok: true, detail: "" };
      return { ok: false, detail: classifyHostFailure(ran.value).summary };
    },
  };
}
