/**
 * The inventory file's shape, as zod schemas, and the types of the inventory
 * the rest of the bot works with. The YAML shape:
 *
 * ```yaml
 * defaults: { port, user, privateKey, layout, window, privilege, helperPath, guacdPort,
 *             guacdAddress, rollout, drain }   # all optional
 * windows:  { <name>: { timeZone, days, start, durationMinutes } }
 * hosts:    [ { name, address, port?, user?, privateKey?, hostKey, layout?, window?, health?,
 *               privilege?, helperPath?, guacdPort?, guacdAddress?, drain? } ]
 * groups:   { <name>: [host, ...] | { hosts: [host, ...], window?, rollout?, guacdPort?, drain? } }
 * rollout:  { canary?, maxParallel?, onFailure? }   # a group's (or the defaults') rollout policy
 * drain:    { waitMinutes, onTimeout?, pollSeconds? }   # a host's, group's or the defaults' wait for sessions
 * slack:    { channels, approvers, approverGroups?, requesters?, requestExpiryMinutes? }
 * schedule: { check: "<cron>", timeZone? }   # a fleet check that tells the channel what changed
 * ```
 *
 * Checks that span several entries (duplicates, references, defaults) are in
 * `check-inventory.ts`; this file checks each value on its own.
 */
import { isIP } from "node:net";
import { isAbsolute } from "node:path";
import { CronExpressionParser } from "cron-parser";
import { z } from "zod";
import { DEFAULT_DRAIN_POLICY, type DrainPolicy } from "../domain/drain-policy.js";
import { NAME_PATTERN, WEEKDAYS } from "../domain/names.js";
import { DEFAULT_ROLLOUT_POLICY, type RolloutPolicy } from "../domain/rollout.js";
import type { Layout } from "../kcm/commands.js";
import type { Privilege } from "../kcm/host-commands.js";

/** The target that means every host; no host or group may be named so. */
export const ALL_TARGET = "all";

const NAME_RULE =
  'expected lowercase letters, digits, "." and "-", starting with a letter or digit, at most 63 characters';

/** A window's name: the same rule as hosts and groups. */
export const windowNameSchema = z.string().regex(NAME_PATTERN, NAME_RULE);

/** A host's or group's name, which chat text can select. */
export const targetNameSchema = windowNameSchema.refine((name) => name !== ALL_TARGET, {
  message: `"${ALL_TARGET}" is reserved: it means every host`,
});

/** `integer from min to max`, with one message for every way of missing it. */
function wholeNumber(min: number, max: number) {
  const message = `expected a whole number from ${min} to ${max}`;
  return z
    .number({ error: (issue) => (issue.input === undefined ? undefined : message) })
    .int({ error: message })
    .min(min, { error: message })
    .max(max, { error: message });
}

const port = wholeNumber(1, 65535);

/**
 * The local address guacd's sessions arrive on, when only those count (hosts
 * that share a network stack, like the lab's); by default any local address does.
 */
const ipv4 = z.string().refine((text) => isIP(text) === 4, {
  message: "expected an IPv4 address",
});

const address = z.string().refine(isAddress, {
  message: "expected an IPv4 address, an IPv6 address (without brackets) or a DNS name",
});

const user = z.string().regex(/^[A-Za-z_][A-Za-z0-9_.-]{0,31}$/, {
  message: 'expected a login name: letters, digits, "_", "." and "-", at most 32 characters',
});

const privateKey = z.string().refine(isAbsolute, {
  message: "expected the absolute path of the SSH private key file",
});

const hostKey = z.string().refine(isSha256Fingerprint, {
  message: "expected SHA256:<base64> (43 characters, no padding), as `ssh-keygen -l` prints it",
});

/**
 * `auto` detects the layout on the host (the standalone `guacamole` unit, or
 * Tomcat for a manual deploy or an install from before KCM 2.5); the others pin it.
 */
export const layoutSettingSchema = z.enum(["auto", "standalone", "tomcat"] satisfies [
  "auto",
  ...Layout[],
]);
export type LayoutSetting = z.infer<typeof layoutSettingSchema>;

/**
 * How the bot's account gets root on the host: `helper` (the default) runs
 * only the root-owned host helper, which checks every argument;
 * `direct-sudo` runs yum and systemctl through sudo, which is root-equivalent
 * (see `kcm/host-commands.ts`) and kept only for hosts not yet moved over.
 */
export const privilegeSchema = z.enum(["helper", "direct-sudo"] satisfies Privilege[]);

/** Where the host helper is installed on the host. */
const helperPath = z
  .string()
  .regex(/^\/[A-Za-z0-9._/+-]+$/, {
    message: 'expected an absolute path of letters, digits, ".", "_", "+", "-" and "/"',
  })
  .refine((text) => !text.split("/").includes(".."), { message: 'expected no ".." in the path' });

/** A weekly maintenance window: downtime may start only inside it. */
export const windowSchema = z.strictObject({
  /** An IANA time zone, e.g. `Europe/Berlin`; `start` is local time there (DST included). */
  timeZone: z.string().refine(isTimeZone, {
    message: 'expected an IANA time zone such as "Europe/Berlin"',
  }),
  /** The days on which the window opens. */
  days: z
    .array(z.enum(WEEKDAYS))
    .min(1, { error: "expected at least one day" })
    .superRefine((days, context) => {
      days.forEach((day, index) => {
        if (days.indexOf(day) !== index) {
          context.addIssue({ code: "custom", path: [index], message: `"${day}" is listed twice` });
        }
      });
    }),
  /** Local opening time, `HH:MM` on a 24-hour clock. */
  start: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, {
    message: 'expected a 24-hour time "HH:MM", such as "02:00"',
  }),
  /** How long the window stays open, at most a day. */
  durationMinutes: wholeNumber(1, 1440),
});
export type WindowConfig = z.infer<typeof windowSchema>;

/** Optional checks after the services start again. */
export const healthSchema = z.strictObject({
  /** The KCM web interface, which must answer. */
  webUrl: z
    .string()
    .refine(isHttpUrl, { message: "expected an http:// or https:// URL" })
    .optional(),
  /** guacd's port on the host, which must accept connections. */
  guacdPort: port.optional(),
});
export type HealthProbe = z.infer<typeof healthSchema>;

/** Values a host takes when it does not set them itself. */
/**
 * How a fleet request's hosts go (see domain/rollout.ts): each field falls
 * back to `defaults.rollout`, then to one canary, one at a time, stop.
 */
export const rolloutSettingSchema = z.strictObject({
  /** @defaultValue 1 */
  canary: wholeNumber(0, 1000).optional(),
  /** @defaultValue 1 */
  maxParallel: wholeNumber(1, 1000).optional(),
  /** @defaultValue "stop" */
  onFailure: z.enum(["stop", "continue"], { error: 'expected "stop" or "continue"' }).optional(),
});
export type RolloutSetting = z.infer<typeof rolloutSettingSchema>;

/** A rollout setting over another, over the built-in default. */
export function rolloutPolicyOf(...settings: (RolloutSetting | undefined)[]): RolloutPolicy {
  const policy: RolloutPolicy = { ...DEFAULT_ROLLOUT_POLICY };
  for (const setting of settings.reverse()) {
    if (setting?.canary !== undefined) policy.canary = setting.canary;
    if (setting?.maxParallel !== undefined) policy.maxParallel = setting.maxParallel;
    if (setting?.onFailure !== undefined) policy.onFailure = setting.onFailure;
  }
  return policy;
}

/**
 * How long a job waits for the host's remote sessions to end before it stops
 * the services, and what it does when they have not (see
 * domain/drain-policy.ts). A host's setting wins over its groups', theirs
 * over `defaults.drain`, field by field.
 */
export const drainSettingSchema = z.strictObject({
  /** Minutes to wait (a fraction is allowed); 0: no wait. */
  waitMinutes: z
    .number({
      error: (issue) =>
        issue.input === undefined ? undefined : "expected a number of minutes from 0 to 1440",
    })
    .min(0, { error: "expected a number of minutes from 0 to 1440" })
    .max(1440, { error: "expected a number of minutes from 0 to 1440" }),
  /** @defaultValue "proceed" */
  onTimeout: z.enum(["proceed", "abort"], { error: 'expected "proceed" or "abort"' }).optional(),
  /** @defaultValue 15 */
  pollSeconds: wholeNumber(1, 600).optional(),
});
export type DrainSetting = z.infer<typeof drainSettingSchema>;

/** A drain setting over others, over the built-in default (no wait). */
export function drainPolicyOf(...settings: (DrainSetting | undefined)[]): DrainPolicy {
  const policy: DrainPolicy = { ...DEFAULT_DRAIN_POLICY };
  for (const setting of settings.reverse()) {
    if (setting === undefined) continue;
    policy.waitMinutes = setting.waitMinutes;
    if (setting.onTimeout !== undefined) policy.onTimeout = setting.onTimeout;
    if (setting.pollSeconds !== undefined) policy.pollSeconds = setting.pollSeconds;
  }
  return policy;
}

export const defaultsSchema = z.strictObject({
  /** @defaultValue 22 */
  port: port.optional(),
  user: user.optional(),
  privateKey: privateKey.optional(),
  /** @defaultValue "auto" */
  layout: layoutSettingSchema.optional(),
  window: z.string().optional(),
  /** @defaultValue "helper" */
  privilege: privilegeSchema.optional(),
  /** @defaultValue "/usr/local/libexec/kcm-chatops/kcm-host" */
  helperPath: helperPath.optional(),
  /** @defaultValue 4822 */
  guacdPort: port.optional(),
  guacdAddress: ipv4.optional(),
  rollout: rolloutSettingSchema.optional(),
  drain: drainSettingSchema.optional(),
});

/** One host as written in the file, before defaults are applied. */
export const hostSchema = z.strictObject({
  name: targetNameSchema,
  address,
  port: port.optional(),
  user: user.optional(),
  privateKey: privateKey.optional(),
  hostKey,
  layout: layoutSettingSchema.optional(),
  window: z.string().optional(),
  health: healthSchema.optional(),
  privilege: privilegeSchema.optional(),
  helperPath: helperPath.optional(),
  guacdPort: port.optional(),
  guacdAddress: ipv4.optional(),
  drain: drainSettingSchema.optional(),
});

const members = z.array(z.string()).min(1, { error: "expected at least one host" });

/** A group: a list of hosts, or a mapping with the hosts and a window for them. */
export const groupSchema = z.union(
  [
    members,
    z.strictObject({
      hosts: members,
      window: z.string().optional(),
      rollout: rolloutSettingSchema.optional(),
      guacdPort: port.optional(),
      drain: drainSettingSchema.optional(),
    }),
  ],
  {
    error:
      "expected a list of hosts, or a mapping with hosts: and any of window:, rollout:, guacdPort:, drain:",
  },
);

const slackId = (prefix: string, what: string) =>
  z.string().regex(new RegExp(`^[${prefix}][A-Z0-9]{2,20}$`), {
    message: `expected a Slack ${what} id (${prefix.split("").join(" or ")} followed by capitals and digits, as Slack shows it)`,
  });

/**
 * Who may do what in Slack, and where. Approvers are user ids and/or user
 * groups; requesters (default: anyone in the channels) user ids.
 */
export const slackPolicySchema = z
  .strictObject({
    channels: z
      .array(slackId("CG", "channel"))
      .min(1, { error: "expected at least one channel id" }),
    approvers: z.array(slackId("UW", "user")).default([]),
    approverGroups: z.array(slackId("S", "user group")).default([]),
    requesters: z.array(slackId("UW", "user")).optional(),
    requestExpiryMinutes: wholeNumber(1, 1440).default(60),
  })
  .refine((p) => p.approvers.length + p.approverGroups.length > 0, {
    error: "expected approvers or approverGroups: somebody must be able to approve",
  });
export type SlackPolicy = z.infer<typeof slackPolicySchema>;

/**
 * When the fleet is checked by itself (a BullMQ job scheduler, one for the
 * whole deployment): a cron expression (5 fields, or 6 with seconds) read
 * in `timeZone`. The check tells the first channel what changed: a new
 * release pending, a host newly failing or recovered.
 */
export const scheduleSchema = z.strictObject({
  check: z.string().superRefine((text, context) => {
    try {
      CronExpressionParser.parse(text);
    } catch (error) {
      context.addIssue({
        code: "custom",
        message: `expected a cron expression such as "0 8 * * mon-fri" (${error instanceof Error ? error.message : String(error)})`,
      });
    }
  }),
  /** @defaultValue "UTC" */
  timeZone: z
    .string()
    .refine(isTimeZone, { message: 'expected an IANA time zone such as "Europe/Berlin"' })
    .default("UTC"),
});
export type ScheduleConfig = z.infer<typeof scheduleSchema>;

/**
 * The whole file. Empty optional sections (`groups:` with nothing under it)
 * are allowed. The names of windows and groups are checked in
 * `check-inventory.ts`: zod skips a record's value when its key is wrong.
 */
export const inventoryFileSchema = z.strictObject({
  defaults: defaultsSchema.nullish(),
  windows: z.record(z.string(), windowSchema).nullish(),
  hosts: z.array(hostSchema).min(1, { error: "expected at least one host" }),
  groups: z.record(z.string(), groupSchema).nullish(),
  slack: slackPolicySchema.optional(),
  schedule: scheduleSchema.optional(),
});
export type InventoryFile = z.infer<typeof inventoryFileSchema>;

/** A host with the defaults applied: everything needed to reach and upgrade it. */
export interface HostConfig {
  name: string;
  address: string;
  /** @defaultValue 22 */
  port: number;
  user: string;
  privateKeyPath: string;
  /** The pinned host key fingerprint, `SHA256:<base64>` as OpenSSH prints it. */
  hostKey: string;
  /** @defaultValue "auto" */
  layout: LayoutSetting;
  /**
   * The window that applies: the host's own, else the one its groups give
   * (they must agree), else `defaults.window`; none when nothing sets one.
   */
  window?: string;
  health?: HealthProbe;
  /** @defaultValue "helper" */
  privilege: Privilege;
  /** @defaultValue "/usr/local/libexec/kcm-chatops/kcm-host" */
  helperPath: string;
  /** The port guacd takes sessions on: each established connection to it is one session. @defaultValue 4822 */
  guacdPort: number;
  /** Count only sessions to this local address (hosts sharing a network stack); any, when unset. */
  guacdAddress?: string;
  /** How long to wait for sessions to end before the stop. @defaultValue no wait */
  drain: DrainPolicy;
  /** The groups that list this host, in file order. */
  groups: string[];
}

/** A group's members (inventory names), its window if it sets one, and how a rollout of it goes. */
export interface GroupConfig {
  hosts: string[];
  window?: string;
  rollout: RolloutPolicy;
}

/** A loaded, checked inventory. Nothing in it refers to anything missing. */
export interface Inventory {
  /** In file order. */
  hosts: HostConfig[];
  groups: Map<string, GroupConfig>;
  windows: Map<string, WindowConfig>;
  /** How a rollout of `all` or of a list of hosts goes (`defaults.rollout`). */
  rollout: RolloutPolicy;
  /** The Slack policy; the bot needs it, `check` does not. */
  slack?: SlackPolicy;
  /** The fleet check that runs by itself, if any. */
  schedule?: ScheduleConfig;
  /** The file it came from. */
  source: string;
  /** The first 12 hex digits of the file's SHA-256: processes running one inventory share it. */
  digest: string;
}

function isAddress(text: string): boolean {
  if (isIP(text) !== 0) return true;
  const labels = text.split(".");
  const last = labels.at(-1) ?? "";
  // An all-digit last label is a mistyped IPv4 address (999.1.1.1), not a DNS name.
  return (
    text.length <= 253 &&
    !/^\d+$/.test(last) &&
    labels.every((label) => /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(label))
  );
}

function isSha256Fingerprint(text: string): boolean {
  const base64 = /^SHA256:([A-Za-z0-9+/]{43})$/.exec(text)?.[1];
  // 43 characters carry 258 bits for 256: the last one must leave the spare bits zero.
  return base64 !== undefined && Buffer.from(base64, "base64").toString("base64") === `${base64}=`;
}

function isTimeZone(text: string): boolean {
  // Offsets such as "+01:00" are valid for Intl but know nothing of DST.
  if (!/^[A-Za-z]/.test(text)) return false;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: text });
    return true;
  } catch {
    return false;
  }
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === "http:" || url.protocol === "https:";
  } catch {
    return false;
  }
}
