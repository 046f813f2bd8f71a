/**
 * Every command kcm-chatops runs on a KCM host. They are constants: nothing
 * from chat or from a host's output is ever spliced into them. The sudoers
 * lines an administrator grants the bot's account come from the same list
 * (see {@link sudoersLines}), so the bot asks for exactly what it uses.
 */

/** Keeper's package pattern, as in `yum list updates "kcm-*"`. */
export const KCM_PACKAGE_GLOB = "kcm-*";

/**
 * yum 3 and dnf both wait forever for another process's lock unless told to
 * exit (dnf: exit 200 "... already locked by N"; yum 3: exit 1 "Another app
 * is currently holding the yum lock; exiting as configured by exit_on_lock").
 */
const YUM = "yum --setopt=exit_on_lock=True";

/** Whether the account may sudo without a password (`sudo: a password is required` if not). */
export const CHECK_SUDO = "sudo -n true";

/**
 * Installed kcm-* packages, one per line: name, epoch (0 if none), version,
 * release, arch, separated by tabs. No sudo: the rpm database is world-readable.
 */
export const QUERY_INSTALLED = `rpm -qa --qf '%{NAME}\\t%|EPOCH?{%{EPOCH}}:{0}|\\t%{VERSION}\\t%{RELEASE}\\t%{ARCH}\\n' '${KCM_PACKAGE_GLOB}'`;

/** Pending kcm-* updates (dnf 4: "Available Upgrades"; yum 3: "Updated Packages"). */
export const LIST_UPDATES = `sudo -n ${YUM} list updates '${KCM_PACKAGE_GLOB}'`;

/** The units that tell the layouts apart, and their state. No sudo needed. */
export const SHOW_UNITS =
  "systemctl show -p Id -p LoadState -p ActiveState guacamole.service tomcat.service guacd.service";

/** The units each layout stops and starts, in the order Keeper's procedure names them. */
export const LAYOUT_UNITS = {
  standalone: ["guacamole", "guacd"],
  tomcat: ["tomcat", "guacd"],
} as const;
export type Layout = keyof typeof LAYOUT_UNITS;

/** Where the programs live on the host, for the sudoers lines. */
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

/**
 * The sudoers lines that let `user` run the runbook's commands as root
 * without a password, and nothing else. In sudoers, `*` also matches spaces,
 * so `kcm-*` admits several package names (all starting with `kcm-`).
 */
export function sudoersLines(user: string, programs: HostPrograms = RHEL_PROGRAMS): string[] {
  const yum = `${programs.yum} --setopt=exit_on_lock=True`;
  const units = Object.values(LAYOUT_UNITS).map((u) => u.join(" "));
  const commands = [
    programs.true,
    `${yum} list updates ${KCM_PACKAGE_GLOB}`,
    ...["stop", "start"].flatMap((verb) => units.map((u) => `${programs.systemctl} ${verb} ${u}`)),
  ];
  const alias = `KCM_CHATOPS_${user.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`;
  // sudoers(5): "=", ":", "," and backslashes in a command's arguments are escaped.
  const escapeArgs = (command: string) => command.replace(/[=:,\\]/g, (c) => `\\${c}`);
  return [
    // RHEL 7 ships "Defaults requiretty", which refuses sudo over SSH without a terminal.
    `Defaults:${user} !requiretty`,
    `Cmnd_Alias ${alias} = ${commands.map(escapeArgs).join(", \\\n    ")}`,
    `${user} ALL=(root) NOPASSWD: ${alias}`,
  ];
}
