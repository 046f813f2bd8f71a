import { z } from "zod";
import { suggestNames } from "../domain/suggest-names.js";
import type { PathIssue } from "./flatten-zod-issues.js";
import { targetNameSchema, windowNameSchema } from "./inventory-schema.js";

const text = z.string().optional().catch(undefined);

/** Present but of any type: whether a key is there at all. */
const anything = z.unknown().optional();

const looseMembers = z
  .array(z.unknown())
  .transform((list) => list.map((member) => (typeof member === "string" ? member : undefined)));

/**
 * A forgiving reading of the file for the checks that span entries: whatever
 * has the wrong shape reads as `undefined` (the schema reports it), so these
 * checks run, and report, even when other parts of the file are wrong.
 */
const looseInventory = z
  .object({
    defaults: z
      .object({ port: anything, user: anything, privateKey: anything, window: text })
      .nullish()
      .catch(undefined),
    windows: z.record(z.string(), anything).nullish().catch(undefined),
    hosts: z
      .array(
        z
          .object({
            name: text,
            address: text,
            port: anything,
            user: anything,
            privateKey: anything,
            window: text,
            guacdPort: anything,
            drain: anything,
          })
          .optional()
          .catch(undefined),
      )
      .catch([]),
    groups: z
      .record(
        z.string(),
        z
          .union([
            looseMembers.transform((members) => ({
              members,
              at: [],
              window: undefined,
              guacdPort: undefined,
              drain: undefined,
            })),
            z
              .object({
                hosts: looseMembers.catch([]),
                window: text,
                guacdPort: anything,
                drain: anything,
              })
              .transform((group) => ({
                members: group.hosts,
                at: ["hosts"],
                window: group.window,
                guacdPort: group.guacdPort,
                drain: group.drain,
              })),
          ])
          .optional()
          .catch(undefined),
      )
      .nullish()
      .catch(undefined),
  })
  .catch({ hosts: [] });
type LooseInventory = z.infer<typeof looseInventory>;

/**
 * The checks that span entries: unique host names, one namespace for hosts
 * and groups, group members and windows that exist, fields left to `defaults`
 * that `defaults` gives, one host per address and port, and groups that agree
 * on what they give a host (window, guacdPort, drain).
 */
export function checkInventory(input: unknown): PathIssue[] {
  const inventory = looseInventory.parse(input);
  const hostNames = new Map<string, number>();
  const issues: PathIssue[] = [];
  inventory.hosts.forEach((host, index) => {
    if (host?.name === undefined) return;
    const first = hostNames.get(host.name);
    if (first === undefined) hostNames.set(host.name, index);
    else {
      const message = `duplicate host name "${host.name}" (also hosts[${first}])`;
      issues.push({ path: ["hosts", index, "name"], message });
    }
  });
  issues.push(
    ...checkNames(Object.keys(inventory.windows ?? {}), "windows", windowNameSchema),
    ...checkNames(Object.keys(inventory.groups ?? {}), "groups", targetNameSchema),
    ...checkDefaultsGiven(inventory),
    ...checkWindowReferences(inventory),
    ...checkGroups(inventory, hostNames),
    ...(["window", "guacdPort", "drain"] as const).flatMap((field) =>
      checkGroupsAgree(inventory, field),
    ),
    ...checkAddresses(inventory),
  );
  return issues;
}

function checkNames(names: string[], section: string, schema: z.ZodType<string>): PathIssue[] {
  return names.flatMap((name) => {
    const result = schema.safeParse(name);
    return result.success
      ? []
      : result.error.issues.map((issue) => ({ path: [section, name], message: issue.message }));
  });
}

function checkDefaultsGiven({ hosts, defaults }: LooseInventory): PathIssue[] {
  return hosts.flatMap((host, index) =>
    (["user", "privateKey"] as const)
      .filter((field) => host !== undefined && host[field] === undefined)
      .filter((field) => defaults?.[field] === undefined)
      .map((field) => ({
        path: ["hosts", index, field],
        message: `required (or give defaults.${field})`,
      })),
  );
}

function checkWindowReferences({ windows, defaults, hosts, groups }: LooseInventory): PathIssue[] {
  const known = Object.keys(windows ?? {});
  const references: { path: PathIssue["path"]; name: string | undefined }[] = [
    { path: ["defaults", "window"], name: defaults?.window },
    ...hosts.map((host, index) => ({ path: ["hosts", index, "window"], name: host?.window })),
    ...Object.entries(groups ?? {}).map(([group, value]) => ({
      path: ["groups", group, "window"],
      name: value?.window,
    })),
  ];
  return references.flatMap(({ path, name }) => {
    if (name === undefined || known.includes(name)) return [];
    const [suggestion] = suggestNames(name, known, 1);
    const hint =
      suggestion !== undefined
        ? `; did you mean "${suggestion}"?`
        : known.length > 0
          ? ` (windows: ${known.join(", ")})`
          : " (no windows are defined)";
    return [{ path, message: `unknown window "${name}"${hint}` }];
  });
}

function checkGroups({ groups }: LooseInventory, hostNames: Map<string, number>): PathIssue[] {
  const issues: PathIssue[] = [];
  for (const [group, value] of Object.entries(groups ?? {})) {
    if (hostNames.has(group)) {
      const message = `"${group}" is also a host name; hosts and groups share one namespace`;
      issues.push({ path: ["groups", group], message });
    }
    value?.members.forEach((member, index) => {
      if (member === undefined) return;
      const path = ["groups", group, ...value.at, index];
      if (value.members.indexOf(member) !== index) {
        issues.push({ path, message: `"${member}" is listed twice` });
      } else if (!hostNames.has(member)) {
        issues.push({ path, message: unknownMember(member, hostNames, groups ?? {}) });
      }
    });
  }
  return issues;
}

/** A host without its own `field` takes its groups', so they must agree on it. */
function checkGroupsAgree(
  { groups, hosts }: LooseInventory,
  field: "window" | "guacdPort" | "drain",
): PathIssue[] {
  const giving = Object.entries(groups ?? {}).flatMap(([group, value]) =>
    value?.[field] === undefined
      ? []
      : [{ group, said: JSON.stringify(value[field]), members: value.members }],
  );
  return hosts.flatMap((host, index) => {
    if (host?.name === undefined || host[field] !== undefined) return [];
    const name = host.name;
    const given = giving.filter(({ members }) => members.includes(name));
    if (new Set(given.map(({ said }) => said)).size < 2) return [];
    const list = given.map(({ group, said }) => `"${group}" gives ${said}`).join(", ");
    const what = field === "window" ? "the window" : field;
    const message = `its groups disagree on ${what} (${list}); set ${field} on the host`;
    return [{ path: ["hosts", index, field], message }];
  });
}

function unknownMember(member: string, hostNames: Map<string, number>, groups: object): string {
  if (Object.hasOwn(groups, member)) return `"${member}" is a group; a group lists hosts only`;
  const [suggestion] = suggestNames(member, hostNames.keys(), 1);
  return `unknown host "${member}"${suggestion === undefined ? "" : `; did you mean "${suggestion}"?`}`;
}

function checkAddresses({ hosts, defaults }: LooseInventory): PathIssue[] {
  const seen = new Map<string, number>();
  const issues: PathIssue[] = [];
  hosts.forEach((host, index) => {
    const port = host?.port !== undefined ? host.port : (defaults?.port ?? 22);
    if (host?.address === undefined || typeof port !== "number") return;
    const endpoint = formatEndpoint(host.address, port);
    const first = seen.get(endpoint);
    if (first === undefined) seen.set(endpoint, index);
    else {
      const message = `${endpoint} is also hosts[${first}]; each host needs its own address and port`;
      issues.push({ path: ["hosts", index, "address"], message });
    }
  });
  return issues;
}

/** `host:port` with the address in one spelling (DNS names in lower case, IPv6 compressed). */
function formatEndpoint(address: string, port: number): string {
  if (!address.includes(":")) return `${address.toLowerCase()}:${port}`;
  try {
    return `${new URL(`http://[${address}]/`).hostname}:${port}`;
  } catch {
    // An IPv6 address with a zone (fe80::1%eth0) is not a URL host.
    return `[${address.toLowerCase()}]:${port}`;
  }
}
