import { formatPackageVersion, type PackageVersion } from "./package-version.js";

/**
 * The commands kcm-chatops runs on a KCM host without root, and the parts
 * the privileged ones share (see host-commands.ts). They are constants:
 * nothing from chat or from a host's output is ever spliced into them.
 */

/** Keeper's package pattern, as in `yum list updates "kcm-*"`. */
export const KCM_PACKAGE_GLOB = "kcm-*";

/**
 * yum 3 and dnf both wait forever for another process's lock unless told to
 * exit (dnf: exit 200 "... already locked by N"; yum 3: exit 1 "Another app
 * is currently holding the yum lock; exiting as configured by exit_on_lock").
 */
export const YUM = "yum --setopt=exit_on_lock=True";

/**
 * Commands whose output is parsed run in the C locale: dnf, rpm and
 * systemctl are translated, and a host whose login passes on, say,
 * LANG=de_DE.UTF-8 would print "Verfügbare Aktualisierungen".
 */
export const C_LOCALE = "LC_ALL=C";

/**
 * Installed kcm-* packages, one per line: name, epoch (0 if none), version,
 * release, arch, separated by tabs. No sudo: the rpm database is world-readable.
 */
export const QUERY_INSTALLED = `${C_LOCALE} rpm -qa --qf '%{NAME}\\t%|EPOCH?{%{EPOCH}}:{0}|\\t%{VERSION}\\t%{RELEASE}\\t%{ARCH}\\n' '${KCM_PACKAGE_GLOB}'`;

/** The units that tell the layouts apart, and their state. No sudo needed. */
export const SHOW_UNITS = `${C_LOCALE} systemctl show -p Id -p LoadState -p ActiveState guacamole.service tomcat.service guacd.service`;

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
export function detachedTransaction(jobId: string, transaction: string): string {
  const f = jobFiles(jobId);
  // yum runs in the background of this shell: a signal to the shell (our
  // timeout, a dropped connection) never reaches it, and $! names it.
  return [
    `mkdir -p "${RESULTS}"`,
    `${transaction} > ${f.log} 2>&1 < /dev/null & echo $! > ${f.pid}`,
    `wait $!; echo $? > ${f.exit}.tmp; mv ${f.exit}.tmp ${f.exit}`,
    `cat ${f.log}`,
    `exit "$(cat ${f.exit})"`,
  ].join("; ");
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

/**
 * The established TCP connections to guacd's port: one per active remote
 * session. No root: `ss` where it exists, else the kernel's tables
 * (`/proc/net/tcp`, `/proc/net/tcp6`); the last line says which answered
 * (`#ss`, `#proc`), or `#none` when neither could be read.
 */
export function countSessions(port: number): string {
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`countSessions: not a TCP port: ${port}`);
  }
  return `{ ${C_LOCALE} ss -Htn state established '( sport = :${port} )' 2>/dev/null && echo '#ss'; } || { cat /proc/net/tcp 2>/dev/null && { cat /proc/net/tcp6 2>/dev/null; echo '#proc'; }; } || echo '#none'`;
}
