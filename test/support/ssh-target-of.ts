import type { CheckTarget } from "../../src/runbook/check-host.js";
import type { SshTarget } from "../../src/ssh/ssh-session.js";
import type { LabHost } from "../lab/lab.js";

/** How the bot reaches a lab host: its address, account, the lab's key and the pinned host key. */
export function sshTargetOf(host: LabHost, overrides: Partial<SshTarget> = {}): SshTarget {
  return {
    name: host.name,
    address: host.address,
    port: host.port,
    user: host.user,
    privateKeyPath: host.privateKeyPath,
    hostKey: host.record.hostKeyFingerprint,
    ...overrides,
  };
}

/** What a check needs of a lab host: its name, a layout setting, and its helper. */
export function checkTargetOf(host: LabHost, layout: CheckTarget["layout"] = "auto"): CheckTarget {
  // Lab hosts share one network stack: only their own guacd's sessions count.
  return { name: host.name, layout, ...host.access, guacdAddress: host.address };
}
