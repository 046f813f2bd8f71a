import { formatPackageVersion, type PackageVersion } from "./package-version.js";

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

/** Units in the order they are stopped and started. */
export function unitsOf(layout: Layout): readonly string[] {
  return LAYOUT_UNITS[layout];
}

/** `sudo -n systemctl stop guacamole guacd` (or `tomcat guacd`), as Keeper's procedure says. */
export function stopServices(layout: Layout): string {
  return `sudo -n systemctl stop ${unitsOf(layout).join(" ")}`;
}

/** `sudo -n systemctl start guacamole guacd` (or `tomcat guacd`). */
export function startServices(layout: Layout): string {
  return `sudo -n systemctl start ${unitsOf(layout).join(" ")}`;
}

/** One word per unit (active, inactive, failed...); read the lines, not the exit code. */
export function servicesState(layout: Layout): string {
  return `systemctl is-active ${unitsOf(layout).join(" ")}`;
}

/** The last yum transaction: "Transaction ID : N" (or "No transaction ..." on a new host). */
export const LAST_TRANSACTION = "sudo -n yum --setopt=exit_on_lock=True history info";

// rpm's own character sets; anything else never reaches a shell.
const SPEC_NAME = /^kcm-[A-Za-z0-9][A-Za-z0-9._+-]*$/;
const SPEC_PART = /^[A-Za-z0-9._+~^]+$/;

/** `kcm-guacd-2.24.1-1.el8.x86_64` or `kcm-guacamole-auth-ldap-1:2.24.1-1.el8.noarch`: one exact package. */
export function packageSpec(p: { name: string; arch: string; to: PackageVersion }): string {
  const parts = [p.arch, p.to.version, p.to.release];
  if (
    !SPEC_NAME.test(p.name) ||
    !parts.every((part) => SPEC_PART.test(part)) ||
    !Number.isInteger(p.to.epoch)
  ) {
    throw new Error(
      `packageSpec: refusing a package that is not an rpm name: ${JSON.stringify(p)}`,
    );
  }
  return `${p.name}-${formatPackageVersion(p.to)}.${p.arch}`;
}

/** Downloads exactly these packages into yum's cache, changing nothing (no downtime needed). */
export function prefetchPackages(specs: readonly string[]): string {
  return `sudo -n ${YUM} upgrade -y --downloadonly ${specs.join(" ")}`;
}

const JOB_ID = /^[a-z0-9][a-z0-9-]{0,63}$/;
const RESULTS = "$HOME/.kcm-chatops";

function jobFiles(jobId: string): { pid: string; log: string; exit: string } {
  if (!JOB_ID.test(jobId)) throw new Error(`jobFiles: not a job id: ${JSON.stringify(jobId)}`);
  return {
    pid: `"${RESULTS}/${jobId}.pid"`,
    log: `"${RESULTS}/${jobId}.log"`,
    exit: `"${RESULTS}/${jobId}.exit"`,
  };
}

/**
 * Runs a yum transaction so that it survives the SSH connection: its output
 * goes to a file on the host and its exit code to another, so a worker that
 * dies mid-transaction (or a dropped connection) neither kills yum nor loses
 * the result; {@link transactionStatus} reads it back. Prints the log and
 * exits with yum's code when the connection lasts.
 */
export function detachedTransaction(jobId: string, yumArgs: string): string {
  const f = jobFiles(jobId);
  // yum runs in the background of this shell: a signal to the shell (our
  // timeout, a dropped connection) never reaches it, and $! names it.
  return [
    `mkdir -p "${RESULTS}"`,
    `sudo -n ${YUM} ${yumArgs} > ${f.log} 2>&1 < /dev/null & echo $! > ${f.pid}`,
    `wait $!; echo $? > ${f.exit}.tmp; mv ${f.exit}.tmp ${f.exit}`,
    `cat ${f.log}`,
    `exit "$(cat ${f.exit})"`,
  ].join("; ");
}

/** `yum upgrade -y` of exactly these packages, detached (see {@link detachedTransaction}). */
export function upgradePackages(jobId: string, specs: readonly string[]): string {
  return detachedTransaction(jobId, `upgrade -y ${specs.join(" ")}`);
}

/** `yum history undo -y <id>`, detached (see {@link detachedTransaction}). */
export function undoTransaction(jobId: string, transactionId: number): string {
  if (!Number.isInteger(transactionId) || transactionId < 1) {
    throw new Error(`undoTransaction: not a transaction id: ${transactionId}`);
  }
  return detachedTransaction(jobId, `history undo -y ${transactionId}`);
}

/**
 * Where a detached transaction stands: prints `finished <exit code>`,
 * `running`, `vanished` (started, but yum is gone without an exit code: its
 * shell was killed, or the host rebooted) or `absent` (never started); then,
 * if there is one, the log.
 */
export function transactionStatus(jobId: string): string {
  const f = jobFiles(jobId);
  return [
    `if [ -f ${f.exit} ]; then echo "finished $(cat ${f.exit})"`,
    `elif [ -f ${f.pid} ] && [ -d "/proc/$(cat ${f.pid})" ]; then echo running`,
    `elif [ -f ${f.pid} ]; then echo vanished`,
    "else echo absent; fi",
    `[ -f ${f.log} ] && cat ${f.log}`,
    "true",
  ].join("; ");
}

/** Removes a finished transaction's files (the journal and the report keep what they said). */
export function forgetTransaction(jobId: string): string {
  const f = jobFiles(jobId);
  return `rm -f ${f.pid} ${f.log} ${f.exit}`;
}

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
 * The commands the bot runs as root, as sudoers names them (program paths
 * from `programs`, patterns where arguments vary, no sudoers escapes). In
 * sudoers, `*` also matches spaces, so `kcm-*` admits several package names
 * (all starting with `kcm-`) and `[0-9]*` a transaction number.
 */
export function sudoCommands(programs: HostPrograms = RHEL_PROGRAMS): string[] {
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

/** A command as a sudoers file writes it: "=", ":", "," and backslashes in its arguments escaped (sudoers(5)). */
export function escapeSudoersCommand(command: string): string {
  return command.replace(/[=:,\\]/g, (c) => `\\${c}`);
}

/** The `Cmnd_Alias` name kcm-chatops uses for `user`'s commands. */
function sudoersAlias(user: string): string {
  return `KCM_CHATOPS_${user.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`;
}

/**
 * The sudoers lines that let `user` run the runbook's commands as root
 * without a password, and nothing else (see {@link sudoCommands}).
 */
export function sudoersLines(user: string, programs: HostPrograms = RHEL_PROGRAMS): string[] {
  const alias = sudoersAlias(user);
  return [
    // RHEL 7 ships "Defaults requiretty", which refuses sudo over SSH without a terminal.
    `Defaults:${user} !requiretty`,
    `Cmnd_Alias ${alias} = ${sudoCommands(programs).map(escapeSudoersCommand).join(", \\\n    ")}`,
    `${user} ALL=(root) NOPASSWD: ${alias}`,
  ];
}
