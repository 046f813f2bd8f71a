/**
 * The text of a `/kcm` slash command, read into a command. The text is
 * untrusted chat input: whatever it holds, the result is either a command
 * whose every name fits the inventory's name rule, or an error that says what
 * is wrong, with the usage. Nothing here looks anything up.
 */

import { AT_TIME_FORMS, readAtTime } from "./maintenance-window.js";
import { NAME_PATTERN } from "./names.js";
import { REQUEST_ID } from "./request-id.js";
import { suggestNames } from "./suggest-names.js";

/** When a job may start its downtime, as asked for in the command. */
export type WhenSpec = { kind: "next-window" } | { kind: "now" } | { kind: "at"; text: string };

/** A well-formed `/kcm` command. Names are checked for form only, not looked up. */
export type KcmCommand =
  | { name: "help" }
  | { name: "hosts" }
  /** `target` is a host, a group or `all` (the default). */
  | { name: "check"; target: string }
  /** `when` defaults to `next-window`. */
  | { name: "upgrade"; target: string; when: WhenSpec }
  /** Without `host` (or with `all`): every host. */
  | { name: "status"; host?: string }
  | { name: "cancel"; requestId: string }
  | { name: "rollback"; host: string; when: WhenSpec };

/** A command, or what is wrong with the text and the usage to show with it. */
export type ParsedCommand =
  | { ok: true; command: KcmCommand }
  | { ok: false; error: string; usage: string };

/** The longest command text accepted. */
export const MAX_COMMAND_LENGTH = 500;

/**
 * Placeholders are written ‹so›: Slack reads `<host|group>` as a link
 * labelled "group" to "host", and shows `<time>` as nothing at all.
 */
const WHEN = "[next-window|now|at ‹time›]";

/** One line per subcommand, with examples: the answer to `/kcm help` and the tail of every error. */
export const KCM_USAGE = [
  "/kcm help: this text",
  "/kcm hosts: the inventory: hosts, groups, service layouts, maintenance windows",
  "/kcm check [host|group|all]: pending kcm-* updates per host, e.g. /kcm check web1",
  `/kcm upgrade ‹host|group|all|host,host› ${WHEN}: ask for an upgrade (default: the next window); a group, all or a list is one rollout, e.g. /kcm upgrade web1 at sat 02:00`,
  "/kcm status [host]: requests pending, scheduled, running and recently finished, e.g. /kcm status web1",
  "/kcm cancel ‹request-id›: withdraw a request before its downtime starts, e.g. /kcm cancel r-0k3j9x2a",
  `/kcm rollback ‹host› ${WHEN}: undo the host's last upgrade, e.g. /kcm rollback web1 now`,
  `‹time› is ${AT_TIME_FORMS}; local times are in the host's window time zone`,
].join("\n");

const SUBCOMMANDS = ["help", "hosts", "check", "upgrade", "status", "cancel", "rollback"] as const;
type Subcommand = (typeof SUBCOMMANDS)[number];

const NAME_RULE =
  'a name has only lowercase letters, digits, "." and "-", starts with a letter or digit and has at most 63 characters';
const REQUEST_ID_EXAMPLE = "r-0k3j9x2a";

// Characters with a meaning to a shell or to Slack's markup; none is ever part of a name or a time.
const METACHARACTER = /[;&|`$()<>\\"'{}[\]*?!#~^=%]/;
// Control characters, line and paragraph separators, and invisible format characters (U+200B, U+202E).
const CONTROL = /[\p{Cc}\p{Cf}\u2028\u2029]/u;

/**
 * Reads the text after `/kcm`. Surrounding and repeated spaces are ignored;
 * the subcommand and the words `now`, `next-window` and `at` are read in any
 * letter case, names exactly as typed (so `WEB1` is refused with a hint).
 * Empty text means `help`.
 */
export function parseKcmCommand(text: string): ParsedCommand {
  const problem = textProblem(text);
  if (problem !== undefined) return failure(problem);
  const trimmed = text.trim();
  const result = parseWords(trimmed === "" ? [] : trimmed.split(/\s+/u));
  return typeof result === "string" ? failure(result) : { ok: true, command: result };
}

function failure(error: string): ParsedCommand {
  return { ok: false, error, usage: KCM_USAGE };
}

/** Names a character the command may not contain, and what to do instead. */
function describeCharacter(character: string): string {
  if (
    character === "\n" ||
    character === "\r" ||
    character === "\u2028" ||
    character === "\u2029"
  ) {
    return "a line break: type the command on one line";
  }
  if (character === "\t") return "a tab: separate the words with spaces";
  const code = `U+${(character.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, "0")}`;
  return /\p{Cc}/u.test(character)
    ? `the control character ${code}: retype the command without it`
    : `the invisible character ${code}, perhaps pasted with the text: retype the command without it`;
}

/** Echoes words of the command, cut short: they have passed the character checks by now. */
function quote(words: string): string {
  return `"${words.length > 40 ? `${words.slice(0, 39)}…` : words}"`;
}

/** What makes the whole text unreadable, before it is split into words. */
function textProblem(text: string): string | undefined {
  if (text.length > MAX_COMMAND_LENGTH) {
    return `the command is ${text.length} characters long; the limit is ${MAX_COMMAND_LENGTH}`;
  }
  const control = CONTROL.exec(text)?.[0];
  if (control !== undefined) {
    return `the command contains ${describeCharacter(control)}`;
  }
  const meta = METACHARACTER.exec(text)?.[0];
  if (meta !== undefined) {
    return `"${meta}" is not allowed in a command: names, request ids and times use only letters, digits, ".", "-" and ":"`;
  }
  return undefined;
}

/** The command, or what is wrong with the words. */
function parseWords(words: string[]): KcmCommand | string {
  const [first, ...rest] = words;
  if (first === undefined) return { name: "help" };
  const subcommand = first.toLowerCase();
  if (!isSubcommand(subcommand)) {
    const [suggestion] = suggestNames(subcommand, SUBCOMMANDS, 1);
    return suggestion === undefined
      ? `unknown subcommand ${quote(first)}: use ${SUBCOMMANDS.join(", ")}`
      : `unknown subcommand ${quote(first)} (did you mean "${suggestion}"?)`;
  }
  switch (subcommand) {
    case "help":
    case "hosts":
      return rest.length > 0
        ? `${subcommand} takes nothing after it; remove ${quote(rest.join(" "))}`
        : { name: subcommand };
    case "check": {
      const target = optionalName(rest, "host or group name", subcommand);
      return target.problem ?? { name: "check", target: target.name ?? "all" };
    }
    case "status": {
      const { name, problem } = optionalName(rest, "host name", subcommand);
      if (problem !== undefined) return problem;
      return name === undefined || name === "all"
        ? { name: "status" }
        : { name: "status", host: name };
    }
    case "cancel": {
      const checked = checkedRequestId(rest);
      return checked.problem ?? { name: "cancel", requestId: checked.name };
    }
    case "upgrade":
    case "rollback": {
      const [target, ...after] = rest;
      const what = subcommand === "upgrade" ? "host or group name" : "host name";
      const checked = checkedTarget(subcommand, target, what);
      if (checked.problem !== undefined) return checked.problem;
      const when = parseWhen(checked.name, after, what);
      if (typeof when === "string") return when;
      return subcommand === "upgrade"
        ? { name: "upgrade", target: checked.name, when }
        : { name: "rollback", host: checked.name, when };
    }
  }
}

/** A word that passed its check, or why it did not. */
type Checked = { name: string; problem?: undefined } | { problem: string };

function isSubcommand(word: string): word is Subcommand {
  return (SUBCOMMANDS as readonly string[]).includes(word);
}

function nameProblem(word: string, what: string): string | undefined {
  if (NAME_PATTERN.test(word)) return undefined;
  const lower = word.toLowerCase();
  const hint = NAME_PATTERN.test(lower) ? ` (did you mean "${lower}"?)` : "";
  return `${quote(word)} is not a ${what}: ${NAME_RULE}${hint}`;
}

/** At most one name; none gives neither a name nor a problem. */
function optionalName(
  words: string[],
  what: string,
  subcommand: Subcommand,
): { name?: string; problem?: string } {
  if (words.length > 1) {
    return {
      problem: `${quote(words.join(" "))} is not a ${what}: a name has no spaces, and ${subcommand} takes one`,
    };
  }
  const [name] = words;
  if (name === undefined) return {};
  const problem = nameProblem(name, what);
  return problem === undefined ? { name } : { problem };
}

function checkedTarget(
  subcommand: "upgrade" | "rollback",
  word: string | undefined,
  what: string,
): Checked {
  const needs = subcommand === "upgrade" ? "a host or group" : "a host";
  if (word === undefined)
    return { problem: `${subcommand} needs ${needs}, e.g. /kcm ${subcommand} web1` };
  if (isWhenWord(word)) {
    return {
      problem: `${subcommand} needs ${needs} before "${word}", e.g. /kcm ${subcommand} web1 ${word}`,
    };
  }
  if (subcommand === "rollback" && word === "all") {
    return { problem: 'rollback undoes one host\'s last upgrade: name the host, not "all"' };
  }
  if (subcommand === "upgrade" && word.includes(",")) {
    for (const name of word.split(",")) {
      const problem =
        name === ""
          ? `${quote(word)} has an empty name between commas`
          : nameProblem(name, "host name");
      if (problem !== undefined) return { problem };
    }
    return { name: word };
  }
  const problem = nameProblem(word, what);
  return problem === undefined ? { name: word } : { problem };
}

function checkedRequestId(words: string[]): Checked {
  const [id, ...extra] = words;
  if (id === undefined) {
    return { problem: `cancel needs a request id, e.g. /kcm cancel ${REQUEST_ID_EXAMPLE}` };
  }
  const rule = `a request id has lowercase letters, digits and "-", as in ${REQUEST_ID_EXAMPLE}`;
  if (extra.length > 0) {
    return { problem: `${quote(words.join(" "))} is not a request id: ${rule}, and no spaces` };
  }
  if (REQUEST_ID.test(id)) return { name: id };
  const lower = id.toLowerCase();
  const hint = REQUEST_ID.test(lower) ? ` (did you mean "${lower}"?)` : "";
  return { problem: `${quote(id)} is not a request id: ${rule}${hint}` };
}

function isWhenWord(word: string): boolean {
  return ["now", "next-window", "at"].includes(word.toLowerCase());
}

/** The words after the target (nothing, `now`, `next-window` or `at <time>`), or the problem. */
function parseWhen(target: string, words: string[], what: string): WhenSpec | string {
  const [first, ...rest] = words;
  if (first === undefined) return { kind: "next-window" };
  const keyword = first.toLowerCase();
  if (keyword === "now" || keyword === "next-window") {
    return rest.length > 0
      ? `unexpected ${quote(rest.join(" "))} after "${keyword}": nothing comes after it`
      : { kind: keyword };
  }
  if (keyword === "at") {
    const text = rest.join(" ");
    if (text === "") return `"at" needs a time: ${AT_TIME_FORMS}`;
    const read = readAtTime(text);
    return read.ok ? { kind: "at", text } : read.reason;
  }
  const typed = words.join(" ");
  if (readAtTime(typed).ok) {
    return `unexpected ${quote(typed)} after "${target}" (did you mean "at ${typed}"?)`;
  }
  return `${quote(`${target} ${typed}`)} is not a ${what}: a name has no spaces, and after it come only now, next-window or at ‹time›`;
}
