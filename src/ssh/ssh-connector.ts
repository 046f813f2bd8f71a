import { SshSession, type SshSessionOptions, type SshTarget } from "./ssh-session.js";

/**
 * The runbook's `connect(host)` port over SSH: opens a session to the named
 * inventory host. An unknown name is a programming error (names come from
 * the inventory), so it throws a plain Error.
 */
export function sshConnector(targets: readonly SshTarget[], options: SshSessionOptions = {}) {
  const byName = new Map(targets.map((t) => [t.name, t]));
  return (name: string): Promise<SshSession> => {
    const target = byName.get(name);
    if (!target) throw new Error(`sshConnector: no host named "${name}"`);
    return SshSession.open(target, options);
  };
}
