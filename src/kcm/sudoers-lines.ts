import { KCM_PACKAGE_GLOB, LAYOUT_UNITS, type Layout } from "./commands.js";
import type { HostAccess } from "./host-commands.js";

/** Where the programs live on the host, for the sudoers lines of `privilege: direct-sudo`. */
export interface HostPrograms {
  yum: string;
  systemctl: string;
  true: string;
}

/** RHEL/CentOS/Rocky paths. */
export const RHEL_PROGRAMS: HostPrograms = {
  yum: "/usr/bin/yum",
  systemctl: "/usr/bin/systemctl",
  true: "/usr/bin/true",
};

const LAYOUTS = Object.keys(LAYOUT_UNITS) as Layout[];

/**
 * The helper's subcommands as sudoers names them. sudo's matching is exact
 * for the fixed ones (one line each, so `stop standalone` admits nothing
 * else); where arguments vary, `*` also matches spaces and the helper itself
 * refuses anything but exact kcm-* packages or a transaction number.
 */
function helperCommands(helperPath: string): string[] {
  return [
    `${helperPath} version`,
    `${helperPath} list-updates`,
    `${helperPath} prefetch ${KCM_PACKAGE_GLOB}`,
    `${helperPath} upgrade ${KCM_PACKAGE_GLOB}`,
    `${helperPath} history-info`,
    `${helperPath} history-undo [0-9]*`,
    ...["stop", "start", "is-active"].flatMap((verb) =>
      LAYOUTS.map((layout) => `${helperPath} ${verb} ${layout}`),
    ),
  ];
}

/**
 * yum and systemctl themselves (`privilege: direct-sudo`). In sudoers `*`
 * also matches spaces, so `upgrade -y kcm-*` admits any further argument: a
 * package file, `--setopt=reposdir=...`, `--nogpgcheck`. Root-equivalent.
 */
function directCommands(programs: HostPrograms): string[] {
  const yum = `${programs.yum} --setopt=exit_on_lock=True`;
  const units = Object.values(LAYOUT_UNITS).map((u) => u.join(" "));
  return [
    programs.true,
    `${yum} list updates ${KCM_PACKAGE_GLOB}`,
    `${yum} upgrade -y --downloadonly ${KCM_PACKAGE_GLOB}`,
    `${yum} upgrade -y ${KCM_PACKAGE_GLOB}`,
    `${yum} history info`,
    `${yum} history undo -y [0-9]*`,
    ...["stop", "start"].flatMap((verb) => units.map((u) => `${programs.systemctl} ${verb} ${u}`)),
  ];
}

/**
 * The commands the bot runs as root on a host with this access setting, as
 * sudoers names them (absolute paths, patterns where arguments vary, no
 * sudoers escapes).
 */
export function sudoCommands(access: HostAccess, programs: HostPrograms = RHEL_PROGRAMS): string[] {
  return access.privilege === "helper"
    ? helperCommands(access.helperPath)
    : directCommands(programs);
}

/** A command as a sudoers file writes it: "=", ":", "," and backslashes in its arguments escaped (sudoers(5)). */
export function escapeSudoersCommand(command: string): string {
  return command.replace(/[=:,\\]/g, (c) => `\\${c}`);
}

/** The `Cmnd_Alias` name kcm-chatops uses for `user`'s commands. */
function sudoersAlias(user: string): string {
  return `KCM_CHATOPS_${user.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`;
}

/**
 * The sudoers lines that let `user` run the bot's root commands without a
 * password, and nothing else (see {@link sudoCommands}).
 */
export function sudoersLines(
  user: string,
  access: HostAccess,
  programs: HostPrograms = RHEL_PROGRAMS,
): string[] {
  const alias = sudoersAlias(user);
  return [
    // RHEL 7 ships "Defaults requiretty", which refuses sudo over SSH without a terminal.
    `Defaults:${user} !requiretty`,
    `Cmnd_Alias ${alias} = ${sudoCommands(access, programs).map(escapeSudoersCommand).join(", \\\n    ")}`,
    `${user} ALL=(root) NOPASSWD: ${alias}`,
  ];
}
