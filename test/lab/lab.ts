import { readdir, rm } from "node:fs/promises";
import path from "node:path";
import { LabHost } from "./lab-host.js";
import { FIRST_HOST, LAST_HOST, labPaths, labUser } from "./lab-paths.js";
import { runCommand } from "./run-command.js";
import { withLabLock } from "./with-lab-lock.js";

export { buildLab } from "./build-lab.js";
export { type CreateLabHostOptions, createLabHost } from "./create-lab-host.js";
export { HOST_FAULTS, type HostFault } from "./host-faults.js";
export { LabHost, type Layout, type PublishOptions } from "./lab-host.js";
export { RELEASE_PAYLOADS, RELEASES, type Release } from "./lab-packages.js";
export {
  type LabRepoServer,
  type LabRepoServerOptions,
  startLabRepoServer,
} from "./lab-repo-server.js";

/** Every lab host that exists now, by index. */
export async function listLabHosts(): Promise<LabHost[]> {
  const names = await readdir(labPaths.hosts).catch(() => [] as string[]);
  const indexes = names
    .map(Number)
    .filter((n) => Number.isInteger(n) && n > 0)
    .sort((a, b) => a - b);
  const hosts = await Promise.all(indexes.map((i) => LabHost.open(i).catch(() => undefined)));
  return hosts.filter((h): h is LabHost => h !== undefined);
}

/** A lab host by name (`lab-3`) or index (`3`). */
export async function findLabHost(nameOrIndex: string): Promise<LabHost> {
  const host = (await listLabHosts()).find(
    (h) => h.name === nameOrIndex || String(h.record.index) === nameOrIndex,
  );
  if (!host) throw new Error(`lab: no host "${nameOrIndex}" (see \`npm run lab -- status\`)`);
  return host;
}

/**
 * Removes every lab host. With `removeAccounts`, also the kcmlabN accounts
 * (their host keys stay, so pins in an inventory survive a new `up`).
 */
export async function destroyAllLabHosts(
  options: { removeAccounts?: boolean } = {},
): Promise<number> {
  const hosts = await listLabHosts();
  await Promise.all(hosts.map((h) => h.destroy()));
  // Folders left by a host whose creation was interrupted before host.json.
  for (const name of await readdir(labPaths.hosts).catch(() => [] as string[])) {
    await rm(path.join(labPaths.hosts, name), { recursive: true, force: true });
  }
  if (options.removeAccounts) {
    await withLabLock("accounts", async () => {
      for (let index = FIRST_HOST; index <= LAST_HOST; index++) {
        const user = labUser(index);
        if ((await runCommand("id", ["-u", user])).code === 0) await runCommand("userdel", [user]);
      }
    });
  }
  return hosts.length;
}
