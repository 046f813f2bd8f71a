import { stringify } from "yaml";
import type { LabHost } from "./lab-host.js";
import { labPaths } from "./lab-paths.js";

/**
 * An inventory file (YAML, as an operator writes one) for lab hosts: their
 * addresses, accounts, the lab's client key and each host's pinned key.
 */
export function labInventoryYaml(
  hosts: readonly LabHost[],
  options: { groups?: Record<string, string[]> } = {},
): string {
  const port = hosts[0]?.port ?? 2222;
  return stringify({
    defaults: { port, privateKey: labPaths.clientKey, layout: "auto" },
    hosts: hosts.map((h) => ({
      name: h.name,
      address: h.address,
      user: h.user,
      hostKey: h.record.hostKeyFingerprint,
    })),
    ...(options.groups ? { groups: options.groups } : {}),
  });
}
