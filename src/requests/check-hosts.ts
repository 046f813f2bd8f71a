import type { Inventory } from "../config/inventory-schema.js";
import { resolveTarget } from "../config/resolve-target.js";
import type { HostCheck } from "../kcm/host-check.js";
import { busyHosts } from "./busy-hosts.js";
import type { CheckInput, FleetView, HostChecker, HostLocks, RequestChat } from "./ports.js";

/** What checking hosts for a person needs. */
export interface CheckDeps {
  inventory: Inventory;
  checker: Pick<HostChecker, "checkMany">;
  locks: HostLocks;
  chat: Pick<RequestChat, "checked" | "tell">;
  /** Each host's last check, for the App Home. */
  fleet: Pick<FleetView, "record">;
  now: () => Date;
}

/**
 * `/kcm check <target>`, in a worker: checks the target's hosts, except
 * those being upgraded right now (their yum lock belongs to the upgrade;
 * they are listed as such), and posts one summary. Resolves to how many
 * hosts the summary lists, or undefined for a target that is not there.
 */
export async function checkHosts(deps: CheckDeps, input: CheckInput): Promise<number | undefined> {
  const target = resolveTarget(deps.inventory, input.target);
  if (target.kind !== "hosts") {
    await deps.chat.tell(input.responseUrl, `No host or group \`${input.target}\`.`);
    return undefined;
  }
  const busy = await busyHosts(deps.locks, target.hosts);
  const checked = await deps.checker.checkMany(target.hosts.filter((h) => !busy.has(h.name)));
  await deps.fleet.record(checked, deps.now());
  const checks = target.hosts.map((h): HostCheck => {
    const check = checked.find((c) => c.host === h.name);
    if (check) return check;
    const jobId = busy.get(h.name);
    return {
      host: h.name,
      durationMs: 0,
      problems: [
        jobId === undefined
          ? {
              source: "connection",
              code: "no-answer",
              summary: "the check gave no answer for this host",
              evidence: [],
            }
          : {
              source: "lock",
              code: "upgrade-running",
              summary: `request ${jobId} is upgrading this host right now; check it again when it is done`,
              evidence: [],
            },
      ],
    };
  });
  await deps.chat.checked(input, checks);
  return checks.length;
}
