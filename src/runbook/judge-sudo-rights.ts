import {
  escapeSudoersCommand,
  type HostPrograms,
  RHEL_PROGRAMS,
  sudoCommands,
} from "../kcm/commands.js";
import { compareSudoRights } from "../kcm/compare-sudo-rights.js";
import type { SudoListing } from "../kcm/parse-sudo-list.js";
import type { Finding } from "./inspect-host-access.js";

/** How many of a list a note shows before "and N more". */
const SHOWN = 5;

function some(list: readonly string[]): string[] {
  const shown = list.slice(0, SHOWN).map((c) => `  ${c}`);
  return list.length > SHOWN ? [...shown, `  ... and ${list.length - SHOWN} more`] : shown;
}

/**
 * The lines that grant `commands` (written with the host's own program
 * paths), for the host's /etc/sudoers.d/kcm-chatops; and, where the host's
 * paths are RHEL's, the command that prints the whole file.
 */
function grant(user: string, commands: readonly string[], programs: HostPrograms): string[] {
  const rhel = (Object.keys(RHEL_PROGRAMS) as (keyof HostPrograms)[]).every(
    (p) => programs[p] === RHEL_PROGRAMS[p],
  );
  return [
    "add these lines to /etc/sudoers.d/kcm-chatops on the host (then check it: visudo -cf /etc/sudoers.d/kcm-chatops):",
    ...commands.map((c) => `  ${user} ALL=(root) NOPASSWD: ${escapeSudoersCommand(c)}`),
    rhel
      ? `or write the whole file from: kcm-chatops sudoers --user ${user}`
      : `or write the whole file from: kcm-chatops sudoers --user ${user} (with this host's paths: yum ${programs.yum}, systemctl ${programs.systemctl}, true ${programs.true})`,
  ];
}

/**
 * Judges the account's sudo rights against the runbook's commands (see
 * `compareSudoRights`). A pass may carry notes: other passwordless commands
 * (the lab's manual procedure, say) and rules that need a password
 * (`(ALL) ALL` for people): the bot cannot use those, so they change
 * nothing it can do. A fail: commands missing or needing a password; or a
 * passwordless rule as wide as root (`NOPASSWD: ALL`, a program with any
 * arguments), since then the bot's private key, on every worker machine,
 * is a root key for this host and "exactly the runbook's commands" no
 * longer holds.
 */
export function judgeSudoRights(
  user: string,
  listing: SudoListing,
  programs: HostPrograms,
): Finding {
  const check = "sudo";
  const everything = sudoCommands(programs);
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
      fix: grant(user, everything, programs),
    };
  }
  const rights = compareSudoRights(listing.rules, programs);
  const notes: string[] = [];
  if (rights.extra.length > 0) {
    notes.push(
      `note: ${user} may also run ${rights.extra.length} other command${rights.extra.length === 1 ? "" : "s"} as root without a password, not the runbook's:`,
      ...some(rights.extra),
    );
  }
  if (rights.broadWithPassword.length > 0) {
    notes.push(
      `note: with a password, ${user} may run ${rights.broadWithPassword.join(", ")} as root (the bot never does: it cannot type one)`,
    );
  }
  if (rights.broad.length > 0) {
    return {
      check,
      status: "failed",
      summary: `${user} may run ${rights.broad.join(", ")} as root without a password: far more than the runbook's ${everything.length} commands, so anyone with the bot's key is root on this host`,
      details: notes,
      fix: [
        "remove the rule that grants it (sudo -ll on the host shows the rules; edit them with visudo),",
        `and grant only the runbook's commands: kcm-chatops sudoers --user ${user}`,
      ],
    };
  }
  if (rights.missing.length > 0) {
    const password = new Set(rights.needPassword);
    return {
      check,
      status: "failed",
      summary: `${rights.missing.length} of the runbook's ${everything.length} commands may not run as root without a password`,
      details: [
        ...rights.missing.map(
          (c) => `missing: ${c}${password.has(c) ? " (allowed, but only with a password)" : ""}`,
        ),
        ...notes,
      ],
      fix: grant(user, rights.missing, programs),
    };
  }
  return {
    check,
    status: "ok",
    summary: `the runbook's ${everything.length} commands run as root without a password`,
    details: notes,
    fix: [],
  };
}
