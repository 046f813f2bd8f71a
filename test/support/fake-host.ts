import type { UpgradePlan } from "../../src/domain/upgrade-plan.js";
import type { CommandResult } from "../../src/kcm/command-output.js";
import {
  forgetTransaction,
  packageSpec,
  QUERY_INSTALLED,
  SHOW_UNITS,
  transactionStatus,
} from "../../src/kcm/commands.js";
import { HELPER_ACCESS, hostCommands } from "../../src/kcm/host-commands.js";
import type { HostShell } from "../../src/runbook/host-shell.js";
import { SshError, type SshErrorCode } from "../../src/ssh/ssh-error.js";
import { loadFixture } from "../fixtures/kcm/load-fixture.js";

/** The root commands of a fake host: through the helper at its default path, as the product's default. */
export const FAKE_COMMANDS = hostCommands(HELPER_ACCESS);

/** What a scripted command answers: a result (fields left out: exit 0, no output), or a throw. */
export type Answer = (command: string) => Partial<CommandResult> | Promise<Partial<CommandResult>>;

/** A captured fixture (test/fixtures/kcm) as the shell returns it. */
export function fixtureResult(name: string): Partial<CommandResult> {
  const { exitCode, stdout, stderr, timedOut } = loadFixture(name);
  return { exitCode, stdout, stderr, timedOut: timedOut ?? false };
}

/** What a detached transaction prints: yum's log, stdout and stderr together (`> log 2>&1`). */
export function detachedResult(name: string): Partial<CommandResult> {
  const { exitCode, stdout, stderr } = loadFixture(name);
  return { exitCode, stdout: `${stdout}${stderr}`, stderr: "" };
}

/** An `ssh/` connection failure, as SshSession throws it. */
export function connectionError(code: SshErrorCode = "dropped"): SshError {
  return new SshError(code, `kcm-1: ${code}`, { host: "kcm-1" });
}

// The end of a successful dnf transaction's log (the log's head does not matter to the runbook).
const UPGRADE_LOG = "Upgraded:\n  kcm-guacd-2.24.1-1.el8.x86_64\n\nComplete!\n";

/**
 * `yum history info` as the lab's dnf 4.14 prints it (the shape of
 * test/unit/kcm/parse-last-transaction.test.ts's capture), with this id.
 */
function historyInfo(id: number): string {
  return `Transaction ID : ${id}\nBegin time     : Thu Nov 26 19:42:28 2026\nEnd time       : Thu Nov 26 19:42:29 2026 (1 seconds)\nUser           : System <unset>\nReturn-Code    : Success\nReleasever     : 8\nCommand Line   : upgrade -y kcm-*\n`;
}

/**
 * A KCM host (standalone layout, 2.23.1 installed, 2.24.1 published) behind
 * a fake {@link HostShell}: it answers the runbook's commands from the
 * captured fixtures and keeps the state they change (services up or down,
 * which versions are installed, the yum history). Tests script any command
 * with {@link FakeHost.on}; every command sent, on any connection, is in
 * {@link FakeHost.commands}, in order.
 */
export class FakeHost {
  readonly commands: string[] = [];
  connects = 0;
  closes = 0;
  servicesUp = true;
  upgraded = false;
  lastTransaction = 6;
  /** Where the detached transaction's files say it is (transactionStatus). */
  transaction: "absent" | { exitCode: number; log: string } = "absent";
  /** The next this many connects fail (`refused`): the host is rebooting, or sshd is down. */
  failConnects = 0;
  private readonly scripted: { command: string; answer: Answer; times: number }[] = [];

  constructor(
    readonly requestId: string,
    readonly plan: UpgradePlan,
    /** For a rollback: the transaction it undoes. */
    readonly undoId?: number,
  ) {}

  /** The job's upgrade command, exactly as the runbook sends it. */
  get upgradeCommand(): string {
    return FAKE_COMMANDS.upgrade(this.requestId, this.plan.packages.map(packageSpec));
  }

  /** The job's `yum history undo` command (undefined for an upgrade). */
  get undoCommand(): string | undefined {
    return this.undoId === undefined ? undefined : FAKE_COMMANDS.undo(this.requestId, this.undoId);
  }

  get prefetchCommand(): string {
    return FAKE_COMMANDS.prefetch(this.plan.packages.map(packageSpec));
  }

  /** Answers `command` with `answer` (the next `times` times; every time by default). */
  on(command: string, answer: Answer, times = Number.POSITIVE_INFINITY): this {
    this.scripted.push({ command, answer, times });
    return this;
  }

  /**
   * Makes the next `command` drop its connection (as when sshd dies mid-command),
   * after `effect` has changed what the host did before the drop.
   */
  dropsConnectionOnce(command: string, effect: () => void = () => {}): this {
    return this.on(
      command,
      () => {
        effect();
        throw connectionError("dropped");
      },
      1,
    );
  }

  /** How many times `command` was sent. */
  count(command: string): number {
    return this.commands.filter((c) => c === command).length;
  }

  /** The RunbookDeps `connect`: a new connection, which dies for good once a command drops it. */
  connect = async (): Promise<HostShell> => {
    this.connects++;
    if (this.failConnects > 0) {
      this.failConnects--;
      throw connectionError("refused");
    }
    let dead: SshError | undefined;
    return {
      exec: async (command) => {
        if (dead) throw dead;
        this.commands.push(command);
        try {
          const result: CommandResult = {
            exitCode: 0,
            stdout: "",
            stderr: "",
            signal: null,
            durationMs: 5,
            timedOut: false,
            ...(await this.answer(command)),
          };
          return result;
        } catch (error) {
          if (error instanceof SshError) dead = error;
          throw error;
        }
      },
      close: () => {
        this.closes++;
      },
    };
  };

  private async answer(command: string): Promise<Partial<CommandResult>> {
    const scripted = this.scripted.find((s) => s.command === command && s.times > 0);
    if (scripted) {
      scripted.times--;
      return scripted.answer(command);
    }
    const ok = (stdout = ""): Partial<CommandResult> => ({ stdout });
    const up = this.servicesUp ? "active" : "stopped";
    switch (command) {
      case FAKE_COMMANDS.checkSudo:
        return ok("kcm-host 1\n");
      case QUERY_INSTALLED:
        return fixtureResult(
          this.upgraded
            ? "rpm/query-installed-standalone-upgraded"
            : "rpm/query-installed-standalone",
        );
      case FAKE_COMMANDS.listUpdates:
        return fixtureResult(this.upgraded ? "dnf/list-updates-none" : "dnf/list-updates-pending");
      case SHOW_UNITS:
        return fixtureResult(`systemctl/show-units-standalone-${up}`);
      case FAKE_COMMANDS.servicesState("standalone"):
        return fixtureResult(`systemctl/is-active-standalone-${up}`);
      case FAKE_COMMANDS.stopServices("standalone"):
        this.servicesUp = false;
        return ok();
      case FAKE_COMMANDS.startServices("standalone"):
        this.servicesUp = true;
        return ok();
      case FAKE_COMMANDS.lastTransaction:
        return ok(historyInfo(this.lastTransaction));
      case this.prefetchCommand:
        return ok(
          "Complete!\nThe downloaded packages were saved in cache until the next successful transaction.\n",
        );
      case this.upgradeCommand:
      case this.undoCommand:
        this.upgraded = command === this.upgradeCommand;
        this.lastTransaction++;
        this.transaction = { exitCode: 0, log: UPGRADE_LOG };
        return ok(UPGRADE_LOG);
      case transactionStatus(this.requestId):
        return ok(
          this.transaction === "absent"
            ? "absent\n"
            : `finished ${this.transaction.exitCode}\n${this.transaction.log}`,
        );
      case forgetTransaction(this.requestId):
        this.transaction = "absent";
        return ok();
    }
    return { exitCode: 127, stdout: "", stderr: `fake host: no answer for ${command}\n` };
  }
}
