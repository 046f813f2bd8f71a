import type { JobOutcome } from "../src/chat/runbook-event.js";
import { DEFAULT_DRAIN_POLICY } from "../src/domain/drain-policy.js";
import { makeUpgradePlan } from "../src/domain/upgrade-plan.js";
import { hostCommands } from "../src/kcm/host-commands.js";
import { checkHost } from "../src/runbook/check-host.js";
import type { HostShell } from "../src/runbook/host-shell.js";
import { runUpgrade } from "../src/runbook/run-upgrade.js";
import type { JournalEntry } from "../src/runbook/runbook-ports.js";
import { sshConnector } from "../src/ssh/ssh-connector.js";
import type { LabHost } from "../test/lab/lab.js";
import { GUACD_PORT } from "../test/lab/lab-packages.js";
import { checkTargetOf, sshTargetOf } from "../test/support/ssh-target-of.js";

/**
 * Plans and runs one upgrade of a lab host in this process (the runbook with
 * an in-memory journal, no queue, no chat), as a benchmark times it. Calls
 * `onShell` with each SSH connection, so a caller can time what it sends, and
 * `onConnected` with when each connection began and was ready.
 * Resolves with the outcome and the time from the runbook's start to its end.
 */
export async function upgradeInProcess(
  host: LabHost,
  onShell: (shell: HostShell) => HostShell = (shell) => shell,
  onConnected: (began: number, ready: number) => void = () => {},
): Promise<{ outcome: JobOutcome; totalMs: number }> {
  const connect = sshConnector([sshTargetOf(host)]);
  const check = await checkHost(checkTargetOf(host), { connect, commandTimeoutMs: 60_000 });
  const plan = makeUpgradePlan(host.name, check.pending ?? []);
  const journal: JournalEntry[] = [];
  const started = performance.now();
  const outcome = await runUpgrade(
    {
      requestId: `bench-${host.record.index}`,
      host: host.name,
      plan,
      window: {
        start: new Date(Date.now() - 1000).toISOString(),
        end: new Date(Date.now() + 3_600_000).toISOString(),
      },
      requestedBy: "bench",
      approvedBy: "bench",
      layout: "auto",
    },
    {
      connect: async () => {
        const began = performance.now();
        const shell = await connect(host.name);
        onConnected(began, performance.now());
        return onShell(shell);
      },
      commands: hostCommands(host.access),
      journal: { load: async () => journal, append: async (e) => void journal.push(e) },
      audit: { append: async () => {} },
      reporter: { report: () => {} },
      now: Date.now,
      sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
      timeouts: {
        commandMs: 120_000,
        transactionMs: 600_000,
        pollMs: 500,
        lockWaitMs: 120_000,
        reconnectMarginMs: 60_000,
        reconnectMaxDelayMs: 5000,
      },
      // As the worker runs it: the sessions counted before the stop, under the default drain (no wait).
      sessions: { port: GUACD_PORT, address: host.address, drain: DEFAULT_DRAIN_POLICY },
      holdsLock: () => true,
    },
  );
  const totalMs = performance.now() - started;
  if (outcome.kind !== "upgraded") throw new Error(`${host.name}: ${JSON.stringify(outcome)}`);
  return { outcome, totalMs };
}
