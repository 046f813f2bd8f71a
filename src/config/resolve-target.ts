import { NAME_PATTERN, TARGET_PATTERN } from "../domain/names.js";
import { suggestNames } from "../domain/suggest-names.js";
import { ALL_TARGET, type HostConfig, type Inventory } from "./inventory-schema.js";

/** What a target typed in chat selects. */
export type TargetResolution =
  /**
   * `all`, a group (its hosts in inventory order), one host, or a list of
   * hosts (`a,b`, in the order given, each once); `label` is what was matched.
   */
  | { kind: "hosts"; hosts: HostConfig[]; label: string; of: "all" | "group" | "host" | "list" }
  /** A well-formed name that is not in the inventory, with the nearest names for "did you mean". */
  | { kind: "unknown"; target: string; suggestions: string[] }
  /** Text that can never be a name; `target` is cut to 64 characters, `reason` is a sentence. */
  | { kind: "invalid"; target: string; reason: string };

const MAX_NAME_LENGTH = 63;

/**
 * Resolves a target from chat (untrusted text) to inventory hosts. Surrounding
 * spaces and letter case are ignored; the hosts returned come from the
 * inventory, so nothing of the text itself reaches a command.
 */
export function resolveTarget(
  inventory: Pick<Inventory, "hosts" | "groups">,
  target: string,
): TargetResolution {
  const name = target.trim().toLowerCase();
  if (name.length === 0) {
    return { kind: "invalid", target: "", reason: "Give a host name, a group name or all." };
  }
  if (name.length > MAX_NAME_LENGTH && !name.includes(",")) {
    const reason = `A host or group name has at most ${MAX_NAME_LENGTH} characters.`;
    return { kind: "invalid", target: shorten(target), reason };
  }
  if (!NAME_PATTERN.test(name) && !TARGET_PATTERN.test(name)) {
    const reason =
      'Host and group names use only lowercase letters, digits, "." and "-", and start with a letter or digit.';
    return { kind: "invalid", target: shorten(target), reason };
  }
  if (name.includes(",")) return resolveList(inventory, name);
  if (name === ALL_TARGET) {
    return { kind: "hosts", hosts: [...inventory.hosts], label: ALL_TARGET, of: "all" };
  }

  const group = inventory.groups.get(name);
  if (group !== undefined) {
    const hosts = inventory.hosts.filter((host) => group.hosts.includes(host.name));
    return { kind: "hosts", hosts, label: name, of: "group" };
  }
  const host = inventory.hosts.find((candidate) => candidate.name === name);
  if (host !== undefined) return { kind: "hosts", hosts: [host], label: name, of: "host" };

  const names = [...inventory.hosts.map((candidate) => candidate.name), ...inventory.groups.keys()];
  return { kind: "unknown", target: name, suggestions: suggestNames(name, [...names, ALL_TARGET]) };
}

/** `a,b,c`: hosts only (not groups, not `all`), each once, in the order given. */
function resolveList(
  inventory: Pick<Inventory, "hosts" | "groups">,
  list: string,
): TargetResolution {
  const names = [...new Set(list.split(","))];
  const hosts: HostConfig[] = [];
  for (const name of names) {
    const host = inventory.hosts.find((candidate) => candidate.name === name);
    if (host === undefined) {
      const known = inventory.hosts.map((candidate) => candidate.name);
      const groupHint = inventory.groups.has(name) || name === ALL_TARGET;
      return groupHint
        ? {
            kind: "invalid",
            target: shorten(list),
            reason: `A list names hosts only: \`${name}\` is a group; ask for it on its own.`,
          }
        : { kind: "unknown", target: name, suggestions: suggestNames(name, known) };
    }
    hosts.push(host);
  }
  return { kind: "hosts", hosts, label: names.join(","), of: "list" };
}

function shorten(text: string): string {
  return text.length > 64 ? `${text.slice(0, 63)}…` : text;
}
