import {
  C_LOCALE,
  detachedTransaction,
  KCM_PACKAGE_GLOB,
  type Layout,
  unitsOf,
  YUM,
} from "./commands.js";

/** Where the host helper is installed unless the inventory says otherwise. */
export const DEFAULT_HELPER_PATH = "/usr/local/libexec/kcm-chatops/kcm-host";

/**
 * The helper's interface version (`kcm-host version` prints `kcm-host N`):
 * raised whenever a subcommand the bot uses changes, so a host with an
 * older helper is refused at preflight rather than half-way through.
 */
export const HELPER_VERSION = 1;

/**
 * How the bot's account gets root on a host:
 * - `helper` (the default): only through the root-owned host helper
 *   (`host/kcm-host`), which checks every argument, so the bot's SSH key
 *   allows KCM's upgrade procedure and nothing more;
 * - `direct-sudo`: yum and systemctl through sudo, as before the helper.
 *   sudo's `*` matches spaces, so these rules admit any package file and any
 *   yum option: whoever holds the bot's key is root on the host.
 */
export type Privilege = "helper" | "direct-sudo";

/** A host's privilege setting, with the helper's path. */
export interface HostAccess {
  privilege: Privilege;
  /** @defaultValue {@link DEFAULT_HELPER_PATH} */
  helperPath: string;
}

/**
 * Every command the runbook and the checks run as root on one host, for its
 * privilege setting. Output reads the same in both modes: the helper runs
 * the same yum and systemctl, with the same fixed options, in the C locale.
 */
export interface HostCommands {
  readonly access: HostAccess;
  /** Whether the account may become root without a password (the helper: that it is there and answers). */
  readonly checkSudo: string;
  /** Pending kcm-* updates (dnf 4: "Available Upgrades"; yum 3: "Updated Packages"). */
  readonly listUpdates: string;
  /** The last yum transaction: "Transaction ID : N" (or "No transaction ..." on a new host). */
  readonly lastTransaction: string;
  /** `systemctl stop guacamole guacd` (or `tomcat guacd`), as Keeper's procedure says. */
  stopServices(layout: Layout): string;
  /** `systemctl start guacamole guacd` (or `tomcat guacd`). */
  startServices(layout: Layout): string;
  /** One word per unit (active, inactive, failed...); read the lines, not the exit code. */
  servicesState(layout: Layout): string;
  /** Downloads exactly these packages into yum's cache, changing nothing (no downtime needed). */
  prefetch(specs: readonly string[]): string;
  /** `yum upgrade -y` of exactly these packages, detached (see `detachedTransaction`). */
  upgrade(jobId: string, specs: readonly string[]): string;
  /** `yum history undo -y <id>`, detached. */
  undo(jobId: string, transactionId: number): string;
  /** The upgrade's root command as the thread shows it (without the detaching). */
  describeUpgrade(specs: readonly string[]): string;
  /** The undo's root command as the thread shows it. */
  describeUndo(transactionId: number): string;
}

function checkedTransactionId(transactionId: number): number {
  if (!Number.isInteger(transactionId) || transactionId < 1) {
    throw new Error(`undo: not a transaction id: ${transactionId}`);
  }
  return transactionId;
}

// The helper's path reaches a shell: it must be a plain absolute path.
const HELPER_PATH = /^\/[A-Za-z0-9._/+-]+$/;

/** Through the helper: `sudo -n <helper> <subcommand> <arguments>`. */
function helperCommands(access: HostAccess): HostCommands {
  if (!HELPER_PATH.test(access.helperPath) || access.helperPath.includes("/../")) {
    throw new Error(`hostCommands: not a plain absolute path: ${access.helperPath}`);
  }
  const helper = (args: string) => `sudo -n ${access.helperPath} ${args}`;
  return {
    access,
    checkSudo: helper("version"),
    listUpdates: helper("list-updates"),
    lastTransaction: helper("history-info"),
    stopServices: (layout) => helper(`stop ${layout}`),
    startServices: (layout) => helper(`start ${layout}`),
    servicesState: (layout) => helper(`is-active ${layout}`),
    prefetch: (specs) => helper(`prefetch ${specs.join(" ")}`),
    upgrade: (jobId, specs) => detachedTransaction(jobId, helper(`upgrade ${specs.join(" ")}`)),
    undo: (jobId, id) =>
      detachedTransaction(jobId, helper(`history-undo ${checkedTransactionId(id)}`)),
    describeUpgrade: (specs) => helper(`upgrade ${specs.join(" ")}`),
    describeUndo: (id) => helper(`history-undo ${checkedTransactionId(id)}`),
  };
}

/** yum and systemctl through sudo themselves (`privilege: direct-sudo`). */
function directCommands(access: HostAccess): HostCommands {
  const yum = (args: string) => `${C_LOCALE} sudo -n ${YUM} ${args}`;
  const systemctl = (verb: string, layout: Layout) =>
    `${C_LOCALE} sudo -n systemctl ${verb} ${unitsOf(layout).join(" ")}`;
  return {
    access,
    checkSudo: "sudo -n true",
    listUpdates: yum(`list updates '${KCM_PACKAGE_GLOB}'`),
    lastTransaction: yum("history info"),
    stopServices: (layout) => systemctl("stop", layout),
    startServices: (layout) => systemctl("start", layout),
    // Needs no root.
    servicesState: (layout) => `${C_LOCALE} systemctl is-active ${unitsOf(layout).join(" ")}`,
    prefetch: (specs) => yum(`upgrade -y --downloadonly ${specs.join(" ")}`),
    upgrade: (jobId, specs) => detachedTransaction(jobId, yum(`upgrade -y ${specs.join(" ")}`)),
    undo: (jobId, id) =>
      detachedTransaction(jobId, yum(`history undo -y ${checkedTransactionId(id)}`)),
    describeUpgrade: (specs) => yum(`upgrade -y ${specs.join(" ")}`),
    describeUndo: (id) => yum(`history undo -y ${checkedTransactionId(id)}`),
  };
}

/** The privileged commands for a host with this access setting. */
export function hostCommands(access: HostAccess): HostCommands {
  return access.privilege === "helper" ? helperCommands(access) : directCommands(access);
}

/** The default: the helper at its default path. */
export const HELPER_ACCESS: HostAccess = {
  privilege: "helper",
  helperPath: DEFAULT_HELPER_PATH,
};
