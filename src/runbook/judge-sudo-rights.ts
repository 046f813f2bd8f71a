import { compareSudoRights } from "../kcm/compare-sudo-rights.js";
import type { HostAccess } from "../kcm/host-commands.js";
import type { SudoListing } from "../kcm/parse-sudo-list.js";
import {
  escapeSudoersCommand,
  type HostPrograms,
  RHEL_PROGRAMS,
  sudoCommands,
} from "../kcm/sudoers-lines.js";
import type { Finding } from "./finding.js";

/** How many of a list a finding shows before "and N more". */
const SHOWN = 8;

function some(list: readonly string[], describe: (c: string) => string = (c) => c): string[] {
  const shown = list.slice(0, SHOWN).map((c) => `  ${describe(c)}`);
  return list.length > SHOWN ? [...shown, `  ... and ${list.length - SHOWN} more`] : shown;
}

/** What a passwordless rule beyond the bot's own allows, in a few words. */
function whatItAllows(command: string): string {
  const at = command.search(/\s/);
  const args = at < 0 ? "" : command.slice(at);
  return args.includes("*")
    ? `${command}   (sudo's * also matches spaces: any further arguments, e.g. a package file or --setopt for yum)`
    : command;
}

/** The command that prints the whole sudoers file for this host. */
function sudoersCommand(user: string, access: HostAccess, programs: HostPrograms): string {
  if (access.privilege === "helper") {
    return `kcm-chatops sudoers --user ${user} --helper ${access.helperPath}`;
  }
  const rhel = (Object.keys(RHEL_PROGRAMS) as (keyof HostPrograms)[]).every(
    (p) => programs[p] === RHEL_PROGRAMS[p],
  );
  return rhel
    ? `kcm-chatops sudoers --user ${user} --direct-sudo`
    : `kcm-chatops sudoers --user ${user} --direct-sudo (with this host's paths: yum ${programs.yum}, systemctl ${programs.systemctl}, true ${programs.true})`;
}

/** The lines that grant `commands`, for the host's /etc/sudoers.d/kcm-chatops, and the command that prints the whole file. */
function grant(
  user: string,
  commands: readonly string[],
  access: HostAccess,
  programs: HostPrograms,
): string[] {
  return [
    "add these lines to /etc/sudoers.d/kcm-chatops on the host (then check it: visudo -cf /etc/sudoers.d/kcm-chatops):",
    ...commands.map((c) => `  ${user} ALL=(root) NOPASSWD: ${escapeSudoersCommand(c)}`),
    `or write the whole file from: ${sudoersCommand(user, access, programs)}`,
  ];
}

/**
 * Judges the account's sudo rights against the bot's root commands for the
 * host's privilege setting (see `compareSudoRights`). Least privilege is the
 * rule: besides commands missing or needing a password, any passwordless
 * root rule beyond the bot's own fails the check, named with what it
 * allows, since the bot's private key (on every worker machine) may run
 * it. A rule as wide as root (`NOPASSWD: ALL`, a program with any
 * arguments) says so. Rules that need a password are a note: neither the
 * bot nor a holder of its key can type one. `direct-sudo` passes with a
 * warning that it is root-equivalent.
 */
export function judgeSudoRights(
  user: string,
  listing: SudoListing,
  access: HostAccess,
  programs: HostPrograms,
): Finding {
  const check = "sudo";
  const everything = sudoCommands(access, programs);
  if (listing.kind !== "rules") {
    const [summary, evidence] =
      listing.kind === "failed"
        ? listing.failure.code === "sudo-password"
          ? [
              `sudo asks for a password: no rule lets ${user} run a command as root without one (NOPASSWD), and the bot cannot type a password`,
              listing.failure.evidence,
            ]
          : [listing.failure.summary, listing.failure.evidence]
        : listing.kind === "none"
          ? [`${user} may not use sudo on this host at all`, listing.evidence]
          : [
              "sudo -n -ll printed something kcm-chatops does not recognise",
              listing.text.split("\n").slice(0, 10),
            ];
    return {
      check,
      status: "failed",
      summary,
      details: evidence,
      fix: grant(user, everything, access, programs),
    };
  }
  const rights = compareSudoRights(listing.rules, access, programs);
  const notes: string[] = [];
  if (rights.broadWithPassword.length > 0) {
    notes.push(
      `note: with a password, ${user} may run ${rights.broadWithPassword.join(", ")} as root (neither the bot nor anyone holding its key can: neither knows one)`,
    );
  }
  const rootEquivalent =
    access.privilege === "direct-sudo"
      ? [
          "warning: privilege: direct-sudo is root-equivalent: sudo's * matches spaces, so the yum rules also admit any package file and any yum option (--setopt=reposdir=..., --nogpgcheck); whoever holds the bot's SSH key is root on this host.",
          `Install the host helper instead (kcm-chatops host-helper) and drop privilege: direct-sudo from the inventory.`,
        ]
      : [];
  const needed = `the runbook's ${everything.length} commands`;
  if (rights.broad.length > 0 || rights.extra.length > 0) {
    const broad = rights.broad.length > 0;
    return {
      check,
      status: "failed",
      summary: broad
        ? `${user} may run ${rights.broad.join(", ")} as root without a password: far more than ${needed}, so anyone with the bot's key is root on this host`
        : `${user} may run ${rights.extra.length} command${rights.extra.length === 1 ? "" : "s"} as root without a password beyond ${needed}; anyone with the bot's key may run ${rights.extra.length === 1 ? "it" : "them"} too`,
      details: [
        ...(broad ? some(rights.broad) : []),
        ...(rights.extra.length > 0
          ? [
              `beyond ${needed}, ${user} may run as root without a password:`,
              ...some(rights.extra, whatItAllows),
            ]
          : []),
        ...rights.missing.map((c) => `missing: ${c}`),
        ...notes,
        ...rootEquivalent,
      ],
      fix: [
        "remove the rules that grant them (sudo -ll on the host shows the rules; edit them with visudo),",
        `and grant only the bot's commands: ${sudoersCommand(user, access, programs)}`,
      ],
    };
  }
  if (rights.missing.length > 0) {
    const password = new Set(rights.needPassword);
    return {
      check,
      status: "failed",
      summary: `${rights.missing.length} of ${needed} may not run as root without a password`,
      details: [
        ...rights.missing.map(
          (c) => `missing: ${c}${password.has(c) ? " (allowed, but only with a password)" : ""}`,
        ),
        ...notes,
        ...rootEquivalent,
      ],
      fix: grant(user, rights.missing, access, programs),
    };
  }
  return {
    check,
    status: access.privilege === "direct-sudo" ? "warning" : "ok",
    summary:
      access.privilege === "helper"
        ? `the host helper's ${everything.length} subcommands run as root without a password, and nothing else`
        : `${needed} run as root without a password, and nothing else`,
    details: [...notes, ...rootEquivalent],
    fix: [],
  };
}
