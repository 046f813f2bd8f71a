import { classifyHostFailure } from "./classify-host-failure.js";
import type { CommandOutput } from "./command-output.js";
import { type HostFailure, rawOutputText, readableLines } from "./host-failure.js";

/** What the bot's account may run through sudo: `sudo -n -ll`, without a password. */
export const LIST_SUDO_RULES = "sudo -n -ll";

/** One sudoers entry as `sudo -ll` prints it. */
export interface SudoRule {
  /** `RunAsUsers:` (`root`, `ALL`, ...); sudo leaves the line out when it is root alone. */
  runAsUsers: string[];
  /** False for NOPASSWD (`Options: !authenticate`). */
  authenticate: boolean;
  /** As sudoers writes them: escapes (`\=`) kept, `ALL`, a leading `!` for a negated one. */
  commands: string[];
}

/** The account's sudo rules, or why sudo would not list them. */
export type SudoListing =
  | {
      kind: "rules";
      /** The `Defaults` entries in force for the account, as sudo lists them. */
      defaults: string[];
      rules: SudoRule[];
    }
  /** `Sorry, user X may not run sudo on Y.`: no rule names the account. */
  | { kind: "none"; evidence: string[] }
  | { kind: "failed"; failure: HostFailure }
  | { kind: "unrecognised"; text: string };

const ENTRY = /^(Sudoers entry|LDAP Role|SSSD Role)\b/;
const NOT_ALLOWED = /^Sorry, user \S+ may not run sudo on /;

/** Splits sudo's comma-separated Defaults list; a `\,` is part of a value. */
function splitDefaults(text: string): string[] {
  return text
    .split(/(?<!\\),\s*/)
    .map((item) => item.trim())
    .filter(Boolean);
}

/**
 * Reads `sudo -n -ll` (the long format: one command per line under each
 * entry's RunAsUsers and Options). Without a password sudo lists the rules
 * only when one of them is NOPASSWD; otherwise it fails with `sudo: a
 * password is required`, a `sudo-password` failure. Never throws.
 */
export function parseSudoList(output: CommandOutput): SudoListing {
  const lines = readableLines(output.stdout);
  const refusal = [...lines, ...readableLines(output.stderr)]
    .map((l) => l.trim())
    .filter((l) => NOT_ALLOWED.test(l));
  if (refusal.length > 0) return { kind: "none", evidence: refusal };
  if (output.exitCode !== 0 || output.timedOut === true) {
    return { kind: "failed", failure: classifyHostFailure(output) };
  }
  const defaults: string[] = [];
  // `authenticate` stays undefined when an entry's Options leave it to the Defaults.
  const rules: (Omit<SudoRule, "authenticate"> & { authenticate?: boolean })[] = [];
  let section: "start" | "defaults" | "header" | "entry" | "commands" = "start";
  let rule: (typeof rules)[number] | undefined;
  for (const raw of lines) {
    const line = raw.trim();
    if (/^Matching Defaults entries for /.test(line)) section = "defaults";
    else if (/^User \S+ may run the following commands on /.test(line)) section = "header";
    else if (ENTRY.test(line)) {
      rule = { runAsUsers: ["root"], commands: [] };
      rules.push(rule);
      section = "entry";
    } else if (line === "") {
      if (section !== "entry" && section !== "commands") section = "start";
    } else if (section === "defaults") defaults.push(...splitDefaults(line));
    else if (rule !== undefined && section === "entry") {
      const [key, value = ""] = line.split(/:\s*(.*)/);
      if (key === "RunAsUsers") rule.runAsUsers = splitDefaults(value);
      else if (key === "Options") {
        const options = splitDefaults(value);
        if (options.includes("!authenticate")) rule.authenticate = false;
        else if (options.includes("authenticate")) rule.authenticate = true;
      } else if (key === "Commands") section = "commands";
    } else if (rule !== undefined && section === "commands") rule.commands.push(line);
  }
  if (rules.length === 0) return { kind: "unrecognised", text: rawOutputText(output) };
  const byDefault = !defaults.includes("!authenticate");
  return {
    kind: "rules",
    defaults,
    rules: rules.map((r) => ({ ...r, authenticate: r.authenticate ?? byDefault })),
  };
}
