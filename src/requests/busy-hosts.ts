import type { HostLocks } from "./ports.js";

/**
 * The hosts among `hosts` that a job holds right now (host → job id): a
 * check leaves them alone, since their yum belongs to the upgrade.
 */
export async function busyHosts(
  locks: HostLocks,
  hosts: readonly { name: string }[],
): Promise<Map<string, string>> {
  const holders = await Promise.all(hosts.map((h) => locks.holderOf(h.name)));
  const busy = new Map<string, string>();
  hosts.forEach((host, i) => {
    const holder = holders[i];
    if (holder) busy.set(host.name, holder.jobId);
  });
  return busy;
}
