import type { HostConfig } from "../config/inventory-schema.js";
import type { UpgradePlan } from "../domain/upgrade-plan.js";
import { classifyHostFailure } from "../kcm/classify-host-failure.js";
import { packageSpec } from "../kcm/commands.js";
import { hostCommands } from "../kcm/host-commands.js";
import { type HostShell, isConnectionFailure } from "./host-shell.js";

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
      let shell: HostShell;
      try {
        shell = await deps.connect(host.name);
      } catch (error) {
        if (!isConnectionFailure(error)) throw error;
        return { ok: false, detail: error.message };
      }
      try {
        const deadline = Date.now() + (deps.lockWaitMs ?? 120_000);
        for (;;) {
          const result = await shell.exec(command, { timeoutMs: deps.commandTimeoutMs });
          if (result.exitCode === 0) return { ok: true, detail: "" };
          const failure = classifyHostFailure(result);
          if (failure.code !== "yum-lock" || Date.now() >= deadline) {
            return { ok: false, detail: failure.summary };
          }
          await new Promise((resolve) => setTimeout(resolve, 1000));
        }
      } catch (error) {
        if (!isConnectionFailure(error)) throw error;
        return { ok: false, detail: error.message };
      } finally {
        shell.close();
      }
    },
  };
}
