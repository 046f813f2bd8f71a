import { stringify } from "yaml";
import type { LabHost } from "./lab-host.js";
import { labPaths } from "./lab-paths.js";

/** A maintenance window that is always open (every day, all day, UTC): `next-window` is now. */
export const ALWAYS_OPEN_WINDOW = {
  timeZone: "UTC",
  days: ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
  start: "00:00",
  durationMinutes: 1440,
};

/**
 * An inventory file (YAML, as an operator writes one) for lab hosts: their
 * addresses, accounts, the lab's client key, each host's pinned key and
 * where its host helper is.
 */
export function labInventoryYaml(
  hosts: readonly LabHost[],
  options: {
    groups?: Record<string, string[] | Record<string, unknown>>;
    /** Sections added as they are: `windows`, `slack`, and a `defaults.window`. */
    windows?: Record<string, unknown>;
    defaultWindow?: string;
    slack?: Record<string, unknown>;
    schedule?: Record<string, unknown>;
  } = {},
): string {
  const port = hosts[0]?.port ?? 2222;
  return stringify({
    defaults: {
      port,
      privateKey: labPaths.clientKey,
      layout: "auto",
      ...(options.defaultWindow ? { window: options.defaultWindow } : {}),
    },
    ...(options.windows ? { windows: options.windows } : {}),
    ...(options.slack ? { slack: options.slack } : {}),
    hosts: hosts.map((h) => ({
      name: h.name,
      address: h.address,
      user: h.user,
      hostKey: h.record.hostKeyFingerprint,
      // Each lab host has its helper in its own folder: they share one /usr/local.
      helperPath: h.helperPath,
      // Lab hosts share one network stack: only their own guacd's sessions count.
      guacdAddress: h.address,
      ...(h.access.privilege === "helper" ? {} : { privilege: h.access.privilege }),
    })),
    ...(options.groups ? { groups: options.groups } : {}),
    ...(options.schedule ? { schedule: options.schedule } : {}),
  });
}
