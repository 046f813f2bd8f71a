import type { HostConfig } from "../config/inventory-schema.js";
import { type Layout, SHOW_UNITS, unitsOf } from "../kcm/commands.js";
import { resolveLayout } from "../kcm/detect-layout.js";
import { FIND_PROGRAMS, parseHostPrograms } from "../kcm/find-host-programs.js";
import { inspectHelperCommand, parseHelperState } from "../kcm/inspect-helper.js";
import { LIST_SUDO_RULES, parseSudoList } from "../kcm/parse-sudo-list.js";
import { parseUnitStates } from "../kcm/parse-unit-states.js";
import type { Finding } from "./finding.js";
import { type HostShell, isConnectionFailure } from "./host-shell.js";
import { judgeHostHelper } from "./judge-host-helper.js";
import { judgeSudoRights } from "./judge-sudo-rights.js";

/** The inventory facts about one host that its checks need. */
export type AccessTarget = Pick<
  HostConfig,
  | "name"
  | "address"
  | "port"
  | "user"
  | "privateKeyPath"
  | "hostKey"
  | "layout"
  | "privilege"
  | "helperPath"
>;

/** What {@link inspectHostAccess} needs from outside (SSH, in production). */
export interface AccessDeps {
  /** The host's key, without logging in; rejects with a connection failure. */
  scanKey: () => Promise<{ fingerprint: string; keyType: string }>;
  /** A logged-in connection with the pinned key; rejects with a connection failure. */
  connect: () => Promise<HostShell>;
  commandTimeoutMs: number;
  /** sha256 of the host helper this bot ships (`host/kcm-host`), lowercase hex. */
  helperSha256: string;
}

const ok = (check: string, summary: string, details: string[] = []): Finding => ({
  check,
  status: "ok",
  summary,
  details,
  fix: [],
});
const failed = (check: string, summary: string, fix: string[], details: string[] = []) =>
  ({ check, status: "failed", summary, details, fix }) satisfies Finding;

const where = (t: AccessTarget) =>
  t.address.includes(":") ? `[${t.address}]:${t.port}` : `${t.address}:${t.port}`;

const keyscanLine = (t: AccessTarget) =>
  `kcm-chatops keyscan ${t.address}${t.port === 22 ? "" : ` --port ${t.port}`}`;

function unreachable(error: unknown): Finding {
  if (!isConnectionFailure(error)) throw error;
  const fix = {
    refused: [
      "start sshd on the host, or correct the address and port in the inventory (hosts[].port, defaults.port)",
    ],
    unreachable: [
      "check the address (DNS name, route, firewall) from this machine, e.g. with: ssh -v -p PORT ADDRESS",
    ],
    timeout: [
      "something at that address drops or stalls the connection: check the firewall, the port, and that sshd answers there",
    ],
  }[error.code] ?? ["check that sshd runs on the host and answers at that address and port"];
  return failed("reachable", error.message, fix);
}

/**
 * Checks that the bot can work on one host, in order, stopping at the
 * first check the later ones depend on: the host answers SSH; its key is
 * the pinned one (compared before anything is sent: a wrong key means the
 * bot never logs in); the bot's account logs in with its key; the host
 * helper is installed, root's, out of the account's reach and the same as
 * the bot's (with `privilege: helper`); sudo lets it run exactly the bot's
 * root commands without a password, and nothing more; the services' layout
 * is one the runbook knows. Never rejects for a host's failure.
 */
export async function inspectHostAccess(
  target: AccessTarget,
  deps: AccessDeps,
): Promise<Finding[]> {
  const findings: Finding[] = [];
  let scanned: { fingerprint: string; keyType: string };
  try {
    scanned = await deps.scanKey();
  } catch (error) {
    return [unreachable(error)];
  }
  findings.push(ok("reachable", `${where(target)} answers SSH`));
  if (scanned.fingerprint !== target.hostKey) {
    findings.push(
      failed(
        "host key",
        `the host presents ${scanned.fingerprint} (${scanned.keyType}), but the inventory pins ${target.hostKey}; the bot will not log in`,
        [
          "if the host was rebuilt or its keys were replaced on purpose, pin the new key:",
          `  ${keyscanLine(target)}`,
          "  prints the hostKey line, and how to check it on the host itself first;",
          "if nobody changed it, treat it as someone in the middle of the connection, and investigate",
        ],
      ),
    );
    return findings;
  }
  findings.push(ok("host key", `${scanned.fingerprint} (${scanned.keyType}), as pinned`));
  let shell: HostShell;
  try {
    shell = await deps.connect();
  } catch (error) {
    if (!isConnectionFailure(error)) throw error;
    const fix =
      error.code === "auth-failed"
        ? [
            `add the bot's public key to ~${target.user}/.ssh/authorized_keys on the host (ssh-keygen -y -f ${target.privateKeyPath} prints it),`,
            "or correct the host's user and privateKey in the inventory",
          ]
        : error.code === "key-unreadable"
          ? [
              `make ${target.privateKeyPath} readable by the account the bot runs as (an unencrypted OpenSSH or PEM key)`,
            ]
          : ["try again; if it persists, look at the host's sshd log"];
    findings.push(failed("login", error.message, fix));
    return findings;
  }
  findings.push(ok("login", `as ${target.user} with ${target.privateKeyPath}`));
  try {
    const run = (command: string) => shell.exec(command, { timeoutMs: deps.commandTimeoutMs });
    const helper = target.privilege === "helper";
    const [sudo, programs, units, installed] = await Promise.all([
      run(LIST_SUDO_RULES),
      run(FIND_PROGRAMS),
      run(SHOW_UNITS),
      helper ? run(inspectHelperCommand(target.helperPath)) : undefined,
    ]);
    if (installed) {
      findings.push(
        judgeHostHelper(target.user, target.helperPath, parseHelperState(installed), deps),
      );
    }
    findings.push(
      judgeSudoRights(target.user, parseSudoList(sudo), target, parseHostPrograms(programs)),
    );
    findings.push(judgeLayout(target.layout, parseUnitStates(units)));
  } catch (error) {
    if (!isConnectionFailure(error)) throw error;
    findings.push(failed("sudo", error.message, ["try again; the connection dropped"]));
  } finally {
    shell.close();
  }
  return findings;
}

function judgeLayout(
  pinned: AccessTarget["layout"],
  units: ReturnType<typeof parseUnitStates>,
): Finding {
  if (units.kind === "failed") {
    return failed(
      "layout",
      units.failure.summary,
      ["look at systemctl on the host"],
      [...units.failure.evidence],
    );
  }
  if (units.kind === "unrecognised") {
    return failed(
      "layout",
      "systemctl printed something kcm-chatops does not recognise",
      ["look at `systemctl show guacamole.service tomcat.service guacd.service` on the host"],
      units.text.split("\n").slice(0, 10),
    );
  }
  const resolved = resolveLayout(pinned, units.units);
  const describe = (layout: Layout) => `${layout} (${unitsOf(layout).join(" ")})`;
  switch (resolved.kind) {
    case "unknown":
      return failed("layout", resolved.reason, [
        "install KCM's packages and units (kcm-guacd, and kcm-guacamole-standalone or a Tomcat deployment),",
        "or, for a deployment systemd does not know by these names, the runbook cannot stop and start it",
      ]);
    case "mismatch":
      return failed("layout", resolved.sentence, [
        `set the host's layout to ${resolved.detected} (or auto) in the inventory`,
      ]);
    case "detected":
      return ok(
        "layout",
        `${describe(resolved.layout)}${resolved.pinned ? ", as pinned" : ", detected"}`,
      );
  }
}
