import type { CommandResult } from "../kcm/command-output.js";
import { countSessions, type Layout, QUERY_INSTALLED, SHOW_UNITS } from "../kcm/commands.js";
import { resolveLayout } from "../kcm/detect-layout.js";
import type { CheckProblem, HostCheck } from "../kcm/host-check.js";
import { type HostAccess, hostCommands } from "../kcm/host-commands.js";
import type { HostFailure } from "../kcm/host-failure.js";
import { parseActiveSessions, type SessionFilter } from "../kcm/parse-active-sessions.js";
import { type InstalledPackage, parseInstalledPackages } from "../kcm/parse-installed-packages.js";
import { parseUnitStates } from "../kcm/parse-unit-states.js";
import { parseYumListUpdates } from "../kcm/parse-yum-list-updates.js";
import { type HostShell, isConnectionFailure, REAL_CLOCK } from "./host-shell.js";
import { retryWhileLocked } from "./transaction-step.js";

/** The inventory facts a check needs about a host: its name, layout setting, and how it gets root. */
export interface CheckTarget extends HostAccess {
  name: string;
  layout: "auto" | Layout;
  /** Where guacd takes sessions: its port, and the local address when only that one counts. */
  guacdPort?: number;
  guacdAddress?: string;
}

/** What {@link checkHost} needs from the outside. */
export interface CheckDeps {
  connect: (host: string) => Promise<HostShell>;
  /** Each command's timeout; yum on a slow mirror is the long one. */
  commandTimeoutMs: number;
  /**
   * How long yum's list waits out another yum's lock (an upgrade, a
   * dnf-automatic run, another check) before the lock is called a problem.
   * @defaultValue 30000
   */
  lockWaitMs?: number;
  /** How often it asks again meanwhile. @defaultValue 1000 */
  lockPollMs?: number;
  /** Whether to count the active sessions too (a benchmark turns it off to price it). @defaultValue true */
  countSessions?: boolean;
}

/** A connection failure as a problem; anything else is a bug and is thrown on. */
function connectionProblem(error: unknown): CheckProblem {
  if (!isConnectionFailure(error)) throw error;
  return { source: "connection", code: error.code, summary: error.message, evidence: [] };
}

function hostProblem(source: CheckProblem["source"], failure: HostFailure): CheckProblem {
  return { source, code: failure.code, summary: failure.summary, evidence: failure.evidence };
}

function unrecognised(source: CheckProblem["source"], text: string): CheckProblem {
  const lines = text
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
  return {
    source,
    code: "unrecognised-output",
    summary: `${source} printed something kcm-chatops does not recognise`,
    evidence: lines.slice(0, 10),
  };
}

function kcmVersionOf(installed: readonly InstalledPackage[]): string | undefined {
  const main =
    installed.find((p) => p.name === "kcm-guacamole") ??
    installed.find((p) => p.name === "kcm-guacd") ??
    installed[0];
  return main && `${main.version.version}-${main.version.release}`;
}

/**
 * Checks one host over one connection: installed kcm-* versions (rpm),
 * pending updates (yum list updates), and the service layout and states
 * (systemctl), the three commands at once. Never rejects: every failure is
 * a {@link CheckProblem}.
 */
export async function checkHost(target: CheckTarget, deps: CheckDeps): Promise<HostCheck> {
  const started = performance.now();
  const result: HostCheck = { host: target.name, durationMs: 0, problems: [] };
  const done = () => ({ ...result, durationMs: Math.round(performance.now() - started) });
  let shell: HostShell;
  try {
    shell = await deps.connect(target.name);
  } catch (error) {
    result.problems.push(connectionProblem(error));
    return done();
  }
  try {
    const run = (command: string) => shell.exec(command, { timeoutMs: deps.commandTimeoutMs });
    // Another yum holds the lock (an upgrade, dnf-automatic, a check from
    // another worker): wait it out for a while, as the upgrade does.
    const listUpdates = () =>
      retryWhileLocked(() => run(hostCommands(target).listUpdates), {
        waitMs: deps.lockWaitMs ?? 30_000,
        pollMs: deps.lockPollMs ?? 1000,
        ...REAL_CLOCK,
      });
    const port = target.guacdPort ?? 4822;
    const [rpm, units, yum, sessions] = await Promise.all([
      run(QUERY_INSTALLED),
      run(SHOW_UNITS),
      listUpdates(),
      deps.countSessions === false ? undefined : run(countSessions(port)),
    ]);
    readInstalled(result, rpm);
    readUnits(result, units, target.layout);
    readPending(result, yum);
    if (sessions) readSessions(result, sessions, { port, address: target.guacdAddress });
  } catch (error) {
    result.problems.push(connectionProblem(error));
  } finally {
    shell.close();
  }
  return done();
}

function readInstalled(result: HostCheck, output: CommandResult): void {
  const parsed = parseInstalledPackages(output);
  if (parsed.kind === "installed") {
    result.installed = parsed.packages;
    const version = kcmVersionOf(parsed.packages);
    if (version !== undefined) result.kcmVersion = version;
  } else if (parsed.kind === "failed") result.problems.push(hostProblem("rpm", parsed.failure));
  else result.problems.push(unrecognised("rpm", parsed.text));
}

function readUnits(result: HostCheck, output: CommandResult, pinned: CheckTarget["layout"]): void {
  const parsed = parseUnitStates(output);
  if (parsed.kind === "failed") {
    result.problems.push(hostProblem("systemctl", parsed.failure));
    return;
  }
  if (parsed.kind === "unrecognised") {
    result.problems.push(unrecognised("systemctl", parsed.text));
    return;
  }
  result.services = parsed.units.filter((u) => u.loadState === "loaded");
  const resolved = resolveLayout(pinned, parsed.units);
  if (resolved.layout !== undefined) result.layout = resolved.layout;
  if (resolved.kind === "unknown") {
    result.problems.push({
      source: "systemctl",
      code: "layout-unknown",
      summary: resolved.reason,
      evidence: [],
    });
  } else if (resolved.kind === "mismatch") {
    result.problems.push({
      source: "inventory",
      code: "layout-mismatch",
      summary: resolved.sentence,
      evidence: [],
    });
  }
}

/** Never a problem: a count that cannot be read is "unknown", said as such. */
function readSessions(result: HostCheck, output: CommandResult, filter: SessionFilter): void {
  const count = parseActiveSessions(output, filter);
  if (count.kind === "count") result.sessions = count.count;
  else {
    result.sessions = null;
    result.sessionsUnknown = count.reason;
  }
}

function readPending(result: HostCheck, output: CommandResult): void {
  const parsed = parseYumListUpdates(output);
  if (parsed.kind === "none") result.pending = [];
  else if (parsed.kind === "pending") {
    result.pending = parsed.packages.map((p) => {
      const from = result.installed?.find((i) => i.name === p.name && i.arch === p.arch)?.version;
      return { name: p.name, arch: p.arch, from: from ?? null, to: p.version, repo: p.repo };
    });
  } else if (parsed.kind === "failed") result.problems.push(hostProblem("yum", parsed.failure));
  else result.problems.push(unrecognised("yum", parsed.text));
}
