import { createHash } from "node:crypto";
import { type Document, isNode, LineCounter, parseDocument } from "yaml";
import { DEFAULT_HELPER_PATH } from "../kcm/host-commands.js";
import { checkInventory } from "./check-inventory.js";
import { ConfigError, type ConfigIssue } from "./config-error.js";
import { describeZodIssue, flattenZodIssues, type PathIssue } from "./flatten-zod-issues.js";
import { formatPath, type PathSegment, WHOLE_FILE } from "./format-path.js";
import {
  defaultsSchema,
  drainPolicyOf,
  drainSettingSchema,
  type GroupConfig,
  type HostConfig,
  healthSchema,
  hostSchema,
  type Inventory,
  type InventoryFile,
  inventoryFileSchema,
  rolloutPolicyOf,
  rolloutSettingSchema,
  scheduleSchema,
  windowSchema,
} from "./inventory-schema.js";

/**
 * Parses and checks an inventory file's text. All of it loads, or none:
 * every problem (YAML syntax, shape, references) is collected first and
 * thrown together as one {@link ConfigError} with code `invalid-inventory`.
 *
 * @param source - the file name, for messages and {@link Inventory.source}
 */
export function parseInventory(text: string, source: string): Inventory {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { prettyErrors: false, lineCounter });
  const syntaxProblems = [...document.errors, ...document.warnings];
  if (syntaxProblems.length > 0) {
    const issues = syntaxProblems.map((problem) => {
      const { line, col } = lineCounter.linePos(problem.pos[0]);
      return { path: `line ${line}, column ${col}`, message: problem.message };
    });
    throw new ConfigError("invalid-inventory", source, issues);
  }

  let raw: unknown;
  try {
    raw = document.toJS({ maxAliasCount: 100 });
  } catch (error) {
    // Too many aliases (a "billion laughs" file), or an alias to nothing.
    const message = error instanceof Error ? error.message : String(error);
    throw new ConfigError("invalid-inventory", source, [{ path: WHOLE_FILE, message }], {
      cause: error,
    });
  }
  if (raw === null || raw === undefined) {
    const message = "the file is empty; expected at least a hosts: list";
    throw new ConfigError("invalid-inventory", source, [{ path: WHOLE_FILE, message }]);
  }

  const parsed = inventoryFileSchema.safeParse(raw, { error: describeZodIssue });
  const issues = [
    ...(parsed.success ? [] : flattenZodIssues(parsed.error.issues, knownKeysAt)),
    ...checkInventory(raw),
  ];
  if (!parsed.success || issues.length > 0) {
    throw new ConfigError("invalid-inventory", source, locate(issues, document, lineCounter));
  }
  return buildInventory(
    parsed.data,
    source,
    createHash("sha256").update(text).digest("hex").slice(0, 12),
  );
}

/** The keys an object at `path` may have, for "did you mean" on an unknown key. */
function knownKeysAt(path: readonly PathSegment[]): string[] {
  const [section] = path;
  const last = path.at(-1);
  // A nested setting, wherever it is (defaults, a host, a group).
  if (path.length > 1 && last === "drain") return Object.keys(drainSettingSchema.shape);
  if (path.length > 1 && last === "rollout") return Object.keys(rolloutSettingSchema.shape);
  if (path.length > 1 && last === "health") return Object.keys(healthSchema.shape);
  const shape =
    path.length === 0
      ? inventoryFileSchema.shape
      : section === "defaults"
        ? defaultsSchema.shape
        : section === "windows"
          ? windowSchema.shape
          : section === "hosts"
            ? hostSchema.shape
            : section === "schedule"
              ? scheduleSchema.shape
              : section === "slack"
                ? {
                    channels: true,
                    approvers: true,
                    approverGroups: true,
                    requesters: true,
                    requestExpiryMinutes: true,
                  }
                : { hosts: true, window: true, rollout: true, guacdPort: true, drain: true };
  return Object.keys(shape);
}

/** Formats each path and adds its line (of the nearest node that exists), in file order. */
function locate(issues: PathIssue[], document: Document, lineCounter: LineCounter): ConfigIssue[] {
  const located = issues.map((issue) => {
    for (let length = issue.path.length; length > 0; length--) {
      const node = document.getIn(issue.path.slice(0, length), true);
      if (isNode(node) && node.range) {
        const { line } = lineCounter.linePos(node.range[0]);
        return { path: formatPath(issue.path), message: issue.message, line };
      }
    }
    return { path: formatPath(issue.path), message: issue.message };
  });
  // Stable: issues on one line keep the order they were found in.
  return located.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
}

/** The checked file as the bot uses it: defaults applied, groups and windows by name. */
function buildInventory(file: InventoryFile, source: string, digest: string): Inventory {
  const defaults = file.defaults ?? {};
  const groups = new Map<string, GroupConfig>();
  for (const [name, group] of Object.entries(file.groups ?? {})) {
    const hosts = Array.isArray(group) ? group : group.hosts;
    const window = Array.isArray(group) ? undefined : group.window;
    const rollout = rolloutPolicyOf(
      Array.isArray(group) ? undefined : group.rollout,
      defaults.rollout,
    );
    groups.set(name, window === undefined ? { hosts, rollout } : { hosts, window, rollout });
  }
  const windows = new Map(Object.entries(file.windows ?? {}));
  // What a group gives its hosts beyond a window (checkInventory made sure a host's groups agree).
  const groupSettings = Object.entries(file.groups ?? {}).flatMap(([name, group]) =>
    Array.isArray(group) ? [] : [{ name, guacdPort: group.guacdPort, drain: group.drain }],
  );

  const hosts = file.hosts.map((host): HostConfig => {
    const memberOf = [...groups].filter(([, group]) => group.hosts.includes(host.name));
    // checkInventory made sure the groups that set a window agree on it.
    const groupWindow = memberOf.find(([, group]) => group.window !== undefined)?.[1].window;
    const window = host.window ?? groupWindow ?? defaults.window;
    const fromGroups = groupSettings.filter((g) => memberOf.some(([name]) => name === g.name));
    const groupPort = fromGroups.find((g) => g.guacdPort !== undefined)?.guacdPort;
    const groupDrain = fromGroups.find((g) => g.drain !== undefined)?.drain;
    return {
      name: host.name,
      address: host.address,
      port: host.port ?? defaults.port ?? 22,
      user: given(host.user ?? defaults.user, "user"),
      privateKeyPath: given(host.privateKey ?? defaults.privateKey, "privateKey"),
      hostKey: host.hostKey,
      layout: host.layout ?? defaults.layout ?? "auto",
      privilege: host.privilege ?? defaults.privilege ?? "helper",
      helperPath: host.helperPath ?? defaults.helperPath ?? DEFAULT_HELPER_PATH,
      guacdPort: host.guacdPort ?? groupPort ?? defaults.guacdPort ?? 4822,
      ...optional("guacdAddress", host.guacdAddress ?? defaults.guacdAddress),
      ...(window === undefined ? {} : { window }),
      ...(host.health === undefined ? {} : { health: host.health }),
      drain: drainPolicyOf(host.drain, groupDrain, defaults.drain),
      groups: memberOf.map(([name]) => name),
    };
  });
  const rollout = rolloutPolicyOf(defaults.rollout);
  return {
    hosts,
    groups,
    windows,
    rollout,
    ...(file.slack ? { slack: file.slack } : {}),
    ...(file.schedule ? { schedule: file.schedule } : {}),
    source,
    digest,
  };
}

/** `{ [key]: value }`, or nothing when the value is unset. */
function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/** A field that checkInventory already required, from the host or from defaults. */
function given(value: string | undefined, field: string): string {
  if (value === undefined) throw new Error(`inventory check missed a host without ${field}`);
  return value;
}
