import type { HostAccess } from "./host-commands.js";
import type { SudoRule } from "./parse-sudo-list.js";
import { type HostPrograms, sudoCommands } from "./sudoers-lines.js";

/**
 * How an account's sudo rules compare with the runbook's commands
 * ({@link sudoCommands} for the host's privilege setting, with its own
 * program paths).
 */
export interface SudoRightsComparison {
  /** The runbook's commands, as {@link sudoCommands} writes them for this host. */
  needed: string[];
  /** Needed commands no passwordless rule lets the account run as root. */
  missing: string[];
  /** Of the missing ones, those a rule allows only with a password. */
  needPassword: string[];
  /**
   * Passwordless rules that make the account root in all but name: `ALL`,
   * a program with any arguments (`/usr/bin/yum`, `/usr/bin/yum *`), or a
   * whole directory (`/usr/bin/`). As sudo lists them.
   */
  broad: string[];
  /** The same, where sudo asks for a password (`(ALL) ALL`): the bot cannot use them; people can. */
  broadWithPassword: string[];
  /**
   * Other passwordless commands the account may run as root: not the
   * runbook's, not broad. Each is more than the bot needs; one whose
   * arguments hold a `*` admits any further arguments (sudo's `*` matches
   * spaces), which for yum means any package file or option.
   */
  extra: string[];
}

/** A sudoers command split into its program and its arguments (undefined: any arguments). */
interface SudoCommand {
  program: string;
  args: string | undefined;
}

function splitCommand(command: string): SudoCommand {
  // A digest prefix (`sha256:... /usr/bin/yum`) pins the program's contents; the name is what follows.
  const text = command.replace(/^sha(224|256|384|512):\S+\s+/, "").trim();
  const at = text.search(/\s/);
  return at < 0
    ? { program: text, args: undefined }
    : { program: text.slice(0, at), args: text.slice(at).trim() };
}

const baseName = (program: string) => program.slice(program.lastIndexOf("/") + 1);
const undoEscapes = (text: string) => text.replace(/\\(.)/g, "$1");

/**
 * sudo matches a rule's arguments against the command line with fnmatch(3)
 * and no flags: `*` and `?` match spaces and slashes too, `[...]` is a
 * class, and a backslash makes the next character literal.
 */
export function sudoArgsPattern(pattern: string): RegExp {
  let source = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === "\\" && i + 1 < pattern.length) {
      source += escapeRegExp(pattern[++i] as string);
    } else if (c === "*") source += ".*";
    else if (c === "?") source += ".";
    else if (c === "[") {
      const close = pattern.indexOf("]", i + 2);
      if (close < 0) source += "\\[";
      else {
        let body = pattern.slice(i + 1, close);
        const negated = body.startsWith("!") || body.startsWith("^");
        if (negated) body = body.slice(1);
        source += `[${negated ? "^" : ""}${body.replace(/[\\\]^]/g, (x) => `\\${x}`)}]`;
        i = close;
      }
    } else source += escapeRegExp(c);
  }
  return new RegExp(`^${source}$`, "s");
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

/** Whether a rule's arguments admit the runbook's (a pattern stands for what the bot passes). */
function argsAdmit(rule: string | undefined, needed: string): boolean {
  if (rule === undefined) return true;
  if (rule === '""') return needed === "";
  if (undoEscapes(rule) === needed) return true;
  // A transaction number where the runbook's pattern has one; `kcm-*` stays as it is
  // (the bot passes it literally to `list updates`, and a rule admitting it admits every kcm- package).
  return sudoArgsPattern(rule).test(needed.replace("[0-9]*", "17"));
}

/** The rule command runs the needed one: `ALL`, or the same program name with arguments that admit it. */
function admits(ruleCommand: string, needed: string): boolean {
  if (ruleCommand === "ALL") return true;
  const rule = splitCommand(ruleCommand);
  const want = splitCommand(needed);
  return (
    baseName(rule.program) === baseName(want.program) &&
    rule.program !== "" &&
    argsAdmit(rule.args, want.args ?? "")
  );
}

/** Exactly one of the runbook's commands (program name and arguments, escapes undone). */
function isNeeded(ruleCommand: string, needed: readonly string[]): boolean {
  const rule = splitCommand(ruleCommand);
  return needed.some((n) => {
    const want = splitCommand(n);
    return (
      baseName(rule.program) === baseName(want.program) &&
      (rule.args === undefined ? want.args === undefined : undoEscapes(rule.args) === want.args)
    );
  });
}

/** A rule for the host helper itself: it checks its own arguments, so any of them is safe. */
function isHelper(ruleCommand: string, access: HostAccess): boolean {
  return access.privilege === "helper" && splitCommand(ruleCommand).program === access.helperPath;
}

function isBroad(ruleCommand: string): boolean {
  if (ruleCommand === "ALL") return true;
  const { program, args } = splitCommand(ruleCommand);
  return program.endsWith("/") || args === undefined || args === "*";
}

const runsAsRoot = (rule: SudoRule) =>
  rule.runAsUsers.some((u) => u === "root" || u === "ALL" || u === "#0");

/**
 * Compares the account's sudo rules (from `sudo -n -ll`) with the runbook's
 * commands, by command: a rule admits a command when it runs as root and
 * names the same program (by file name: `/usr/bin/yum` on RHEL, elsewhere
 * in the lab, where `sudo` itself resolves the path) with arguments that
 * match as sudo matches them. Negated commands (`!...`) are not read: a
 * missing command is reported only when nothing admits it.
 */
export function compareSudoRights(
  rules: readonly SudoRule[],
  access: HostAccess,
  programs: HostPrograms,
): SudoRightsComparison {
  const needed = sudoCommands(access, programs);
  const asRoot = rules.filter(runsAsRoot);
  const commandsOf = (passwordless: boolean) =>
    asRoot
      .filter((r) => r.authenticate !== passwordless)
      .flatMap((r) => r.commands)
      .filter((c) => !c.startsWith("!"));
  const free = commandsOf(true);
  const withPassword = commandsOf(false);
  const beyond = (c: string) => !isNeeded(c, needed) && !isHelper(c, access);
  const missing = needed.filter((n) => !free.some((c) => admits(c, n)));
  const distinct = (list: string[]) => [...new Set(list)];
  return {
    needed,
    missing,
    needPassword: missing.filter((n) => withPassword.some((c) => admits(c, n))),
    broad: distinct(free.filter((c) => isBroad(c) && beyond(c))),
    broadWithPassword: distinct(withPassword.filter((c) => isBroad(c) && beyond(c))),
    extra: distinct(free.filter((c) => !isBroad(c) && beyond(c))),
  };
}
