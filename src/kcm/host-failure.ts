import type { CommandOutput } from "./command-output.js";

/**
 * Why a command on a KCM host failed, as far as its output tells:
 * - `yum-lock`: another process holds the yum/dnf lock;
 * - `repo-unreachable`: a repository's metadata could not be downloaded;
 * - `gpg`: a package failed its signature check;
 * - `disk-space`: rpm found too little free space for the transaction;
 * - `sudo-password`: sudo wanted a password (the account lacks NOPASSWD for the command);
 * - `sudo-not-allowed`: sudo refused the command for this account;
 * - `helper-missing`: sudo's rule names the host helper, but there is no such file;
 * - `helper-refused`: the host helper refused its arguments (exit 64), running nothing;
 * - `timeout`: the command ran past its time limit and was stopped;
 * - `command-failed`: anything else.
 */
export type HostFailureCode =
  | "yum-lock"
  | "repo-unreachable"
  | "gpg"
  | "disk-space"
  | "sudo-password"
  | "sudo-not-allowed"
  | "helper-missing"
  | "helper-refused"
  | "timeout"
  | "command-failed";

/** A failed command on a host, explained for the person on call. */
export interface HostFailure {
  code: HostFailureCode;
  /** One sentence in our words for an on-call person, e.g. "another process (pid 1234) holds the yum lock". */
  summary: string;
  /** The host's own words: the lines of its output that show the problem, verbatim (trimmed), at most 10. */
  evidence: string[];
  exitCode: number | null;
}

/** The most evidence lines a {@link HostFailure} carries. */
export const MAX_EVIDENCE_LINES = 10;

// CSI sequences (colours: ESC [ 32 m), charset selection (ESC ( B) and OSC titles.
const TERMINAL_ESCAPES =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: terminal escapes are control characters.
  /\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b\][^\x07\x1b\n]*(?:\x07|\x1b\\)/g;

/**
 * The lines of a host's output as a person at a terminal reads them:
 * colour escapes removed, `\r\n` line ends (a pseudo-terminal's) read as
 * `\n`, and of a line redrawn with `\r` (a progress bar) only its last
 * drawing kept. Lines are not trimmed.
 */
export function readableLines(text: string): string[] {
  return text
    .replace(TERMINAL_ESCAPES, "")
    .split("\n")
    .map((line) => {
      const drawn = line.replace(/\r+$/, "");
      const at = drawn.lastIndexOf("\r");
      return at < 0 ? drawn : drawn.slice(at + 1);
    });
}

/** stdout then stderr, exactly as the host printed them, for an "unrecognised" result. */
export function rawOutputText(output: CommandOutput): string {
  if (output.stderr === "") return output.stdout;
  if (output.stdout === "" || output.stdout.endsWith("\n")) return output.stdout + output.stderr;
  return `${output.stdout}\n${output.stderr}`;
}
