import type { CommandOutput } from "./command-output.js";
import {
  type HostFailure,
  type HostFailureCode,
  MAX_EVIDENCE_LINES,
  readableLines,
} from "./host-failure.js";

/** What a rule found: our sentence, and the host's lines that show it. */
interface Finding {
  summary: string;
  evidence: string[];
}

type Rule = (lines: readonly string[], output: CommandOutput) => Finding | undefined;

/** How many of the last lines a failure we cannot name keeps as evidence. */
const LAST_LINES = 5;
/** Text taken from the host into a summary is cut at this length. */
const MAX_QUOTED = 200;

const quote = (text: string) =>
  text.length > MAX_QUOTED ? `${text.slice(0, MAX_QUOTED - 1)}…` : text;

const firstMatch = (lines: readonly string[], pattern: RegExp) => {
  for (const line of lines) {
    const match = pattern.exec(line);
    if (match) return match;
  }
  return undefined;
};

const matchesAny = (line: string, patterns: readonly RegExp[]) =>
  patterns.some((p) => p.test(line));

/**
 * The lines that match `primary` (all of them, up to the limit) and then
 * those that match `context`, in the order the host printed them.
 */
function pickEvidence(
  lines: readonly string[],
  primary: readonly RegExp[],
  context: readonly RegExp[] = [],
): string[] {
  const chosen = new Set<number>();
  const seen = new Set<string>();
  for (const patterns of [primary, context]) {
    lines.forEach((line, index) => {
      if (chosen.size >= MAX_EVIDENCE_LINES || seen.has(line)) return;
      if (matchesAny(line, patterns)) {
        chosen.add(index);
        seen.add(line);
      }
    });
  }
  return [...chosen].sort((a, b) => a - b).flatMap((i) => lines[i] ?? []);
}

const SUDO_PASSWORD = [
  /^sudo: a password is required$/,
  /^sudo: a terminal is required to read the password/,
  /^sudo: no tty present and no askpass program specified$/,
  /^\[sudo\] password for /,
];
const sudoPassword: Rule = (lines) => {
  const evidence = pickEvidence(lines, SUDO_PASSWORD);
  if (evidence.length === 0) return undefined;
  return {
    summary:
      "sudo wants a password for this command: the account has no passwordless (NOPASSWD) sudo rule for it",
    evidence,
  };
};

// RHEL 7's sudoers has "Defaults requiretty"; over SSH without a pty sudo then refuses.
const REQUIRETTY = /^sudo: sorry, you must have a tty to run sudo$/;
const sudoRequiresTty: Rule = (lines) => {
  const evidence = pickEvidence(lines, [REQUIRETTY]);
  if (evidence.length === 0) return undefined;
  return {
    summary:
      'sudo insists on a terminal ("Defaults requiretty"): add "Defaults:<user> !requiretty" for the bot\'s account',
    evidence,
  };
};

const NOT_ALLOWED = /^Sorry, user (\S+) is not allowed to execute '(.*)' as (\S+) on (.+?)\.?$/;
const NOT_IN_SUDOERS = /^(\S+) is not in the sudoers file\./;
const sudoNotAllowed: Rule = (lines) => {
  const evidence = pickEvidence(lines, [NOT_ALLOWED, NOT_IN_SUDOERS]);
  const refused = firstMatch(lines, NOT_ALLOWED);
  if (refused) {
    const [, user, command, runAs, host] = refused;
    return {
      summary: `sudo does not allow ${quote(user ?? "")} to run "${quote(command ?? "")}" as ${quote(runAs ?? "")} on ${quote(host ?? "")}: the sudoers rules need this command`,
      evidence,
    };
  }
  const absent = firstMatch(lines, NOT_IN_SUDOERS);
  if (!absent) return undefined;
  return {
    summary: `${quote(absent[1] ?? "")} is not in the host's sudoers file, so it may not use sudo at all`,
    evidence,
  };
};

// sudo found a rule for the helper, but nothing at its path.
const HELPER_NOT_FOUND = /^sudo: (\/\S*\/kcm-host): command not found$/;
const helperMissing: Rule = (lines) => {
  const missing = firstMatch(lines, HELPER_NOT_FOUND);
  if (!missing) return undefined;
  return {
    summary: `the host helper is not installed at ${quote(missing[1] ?? "")}: kcm-chatops host-helper prints how to install it`,
    evidence: pickEvidence(lines, [HELPER_NOT_FOUND]),
  };
};

// The helper's own refusal: exit 64 (EX_USAGE) and one line "kcm-host: <reason>".
const HELPER_REFUSAL = /^kcm-host: (.+)$/;
const helperRefused: Rule = (lines, output) => {
  const refusal = firstMatch(lines, HELPER_REFUSAL);
  if (!refusal || output.exitCode !== 64) return undefined;
  return {
    summary: `the host helper refused the command and ran nothing: ${quote(refusal[1] ?? "")}`,
    evidence: pickEvidence(lines, [HELPER_REFUSAL]),
  };
};

// dnf: "RPMDB already locked by 1234" / "metadata already locked by 1234" (exit_on_lock),
// "Waiting for process with pid 1234 to finish." (otherwise); then who holds it.
const DNF_LOCKED = /^(\w+) already locked by (\d+)$/;
const DNF_WAITING = /^Waiting for process with pid (\d+) to finish\.$/;
const DNF_OWNER = /^The application with PID (\d+) is: (.+)$/;
// yum 3: "Existing lock /var/run/yum.pid: another copy is running as pid 1234." and then
// "Another app is currently holding the yum lock; waiting for it to exit..." or "; exiting as ...".
const YUM3_EXISTING = /^Existing lock (\S+): another copy is running as pid (\d+)\.$/;
const YUM3_ANOTHER = /^Another app is currently holding the yum lock; (.+)$/;
const YUM3_OWNER = /^The other application is: (.+)$/;
const OWNER_DETAILS = [/^Memory\s*:/, /^Started\s*:/, /^State\s*:/];
const yumLock: Rule = (lines) => {
  const locked = firstMatch(lines, DNF_LOCKED);
  const waiting = firstMatch(lines, DNF_WAITING);
  const existing = firstMatch(lines, YUM3_EXISTING);
  const another = firstMatch(lines, YUM3_ANOTHER);
  if (!locked && !waiting && !existing && !another) return undefined;
  const pid = locked?.[2] ?? waiting?.[1] ?? existing?.[2] ?? firstMatch(lines, DNF_OWNER)?.[1];
  const owner = firstMatch(lines, DNF_OWNER)?.[2] ?? firstMatch(lines, YUM3_OWNER)?.[1];
  const who = [pid && `pid ${pid}`, owner && quote(owner)].filter(Boolean).join(", ");
  const lock = locked && locked[1] !== undefined ? ` (${locked[1]})` : "";
  const gaveUp = locked !== undefined || another?.[1]?.startsWith("exiting") === true;
  const tail = gaveUp
    ? "; yum gave up instead of waiting"
    : "; yum was still waiting for it when the command was stopped";
  return {
    summary: `another process${who ? ` (${who})` : ""} holds the yum lock${lock}${tail}`,
    evidence: pickEvidence(
      lines,
      [DNF_LOCKED, DNF_WAITING, DNF_OWNER, YUM3_EXISTING, YUM3_ANOTHER, YUM3_OWNER],
      OWNER_DETAILS,
    ),
  };
};

const AMOUNT = String.raw`(\d+(?:\.\d+)?\s?[KMGT]?i?B|\d+ inodes?)`;
const AT_LEAST = new RegExp(`At least ${AMOUNT} more (?:space )?needed on the (\\S+) filesystem`);
const NEEDS = new RegExp(`needs ${AMOUNT} (?:more (?:space )?)?on the (\\S+) filesystem`);
const NEEDS_INODES = /needs (\d+) more inodes on the (\S+) filesystem/;
const NO_SPACE = /No space left on device/;
const DISK_REQUIREMENTS = /^Disk Requirements:$/;
const diskSpace: Rule = (lines) => {
  const primary = [AT_LEAST, DISK_REQUIREMENTS, NO_SPACE];
  const context = [NEEDS, NEEDS_INODES, /^Error: Transaction test error:$/];
  const evidence = pickEvidence(lines, primary, context);
  if (evidence.length === 0) return undefined;
  const totals = lines.flatMap((line) => {
    const m = AT_LEAST.exec(line);
    return m ? [`${m[1]} more on the ${m[2]} filesystem`] : [];
  });
  const needs = firstMatch(lines, NEEDS) ?? firstMatch(lines, NEEDS_INODES);
  let summary: string;
  if (totals.length > 0) {
    summary = `not enough disk space: the upgrade needs at least ${quote([...new Set(totals)].join(" and "))}`;
  } else if (needs) {
    summary = `not enough disk space: a package needs ${quote(needs[1] ?? "")} more on the ${quote(needs[2] ?? "")} filesystem`;
  } else {
    summary = "the host ran out of disk space (No space left on device)";
  }
  return { summary, evidence };
};

const NOT_SIGNED = /^Package (\S+) is not signed$/;
const NO_PUBLIC_KEY = /^Public key for (\S+) is not (installed|trusted)$/;
const NO_KEYS = /you do not have any GPG public keys installed/i;
const PROBLEM_REPO = /^Problem repository: \[(.+)\]$/;
const WRONG_KEYS =
  /^The GPG keys listed for the "(.+)" repository are already installed but they are not correct/;
const NOKEY_HEADER = /Signature, key ID (\w+): NOKEY$/;
const GPG = [
  /GPG check FAILED/,
  NOT_SIGNED,
  /\bis not signed\b/,
  NO_PUBLIC_KEY,
  NO_KEYS,
  WRONG_KEYS,
  NOKEY_HEADER,
  /^Import of key\(s\) didn't help, wrong key\(s\)\?$/,
  /^You have enabled checking of packages via GPG keys/,
];
const gpg: Rule = (lines) => {
  const evidence = pickEvidence(lines, GPG, [PROBLEM_REPO]);
  if (evidence.length === 0) return undefined;
  const unsigned = lines.flatMap((line) => NOT_SIGNED.exec(line)?.[1] ?? []);
  const noKey = firstMatch(lines, NO_PUBLIC_KEY);
  const keyId = firstMatch(lines, NOKEY_HEADER)?.[1];
  const repo = firstMatch(lines, PROBLEM_REPO)?.[1];
  const wrong = firstMatch(lines, WRONG_KEYS)?.[1];
  let why = "the packages' signatures could not be verified";
  if (unsigned.length > 0) {
    const others = unsigned.length - 1;
    why = `${quote(unsigned[0] ?? "")}${others > 0 ? ` and ${others} other package${others > 1 ? "s" : ""}` : ""} ${others > 0 ? "are" : "is"} not signed, and gpgcheck is on`;
  } else if (noKey) {
    why = `the public key${keyId ? ` (key ID ${quote(keyId)})` : ""} for ${quote(noKey[1] ?? "")} is not ${noKey[2]} on the host`;
  } else if (wrong) {
    why = `the GPG keys listed for repository ${quote(wrong)} do not match its packages`;
  } else if (lines.some((l) => NO_KEYS.test(l))) {
    why = `gpgcheck is on${repo ? ` for repository ${quote(repo)}` : ""} but no GPG public keys are installed or configured`;
  }
  return { summary: `the GPG check failed: ${why}`, evidence };
};

const CURL = /Curl error \((\d+)\): (.+?) for (\S+)/;
const FAILED_METADATA = /Failed to download metadata for repo '([^']+)'/;
const ERRORS_DOWNLOADING = /^Errors during downloading metadata for repository '([^']+)'/;
const CANNOT_RETRIEVE =
  /Cannot retrieve repository metadata \(repomd\.xml\) for repository: (.+?)\. Please verify/;
const NO_MORE_MIRRORS = /^failure: (\S+) from (.+?): \[Errno 256\] No more mirrors to try\.$/;
const YUM3_ERRNO_14 = /^(\S+): \[Errno 14\] (.+)$/;
const NO_BASEURL = /Cannot find a valid baseurl for repo: (\S+)/;
const STATUS_CODE = /Status code: (\d+) for (\S+)/;
const repoUnreachable: Rule = (lines) => {
  const primary = [
    FAILED_METADATA,
    CANNOT_RETRIEVE,
    NO_MORE_MIRRORS,
    NO_BASEURL,
    /Cannot download repomd\.xml/,
  ];
  const context = [CURL, YUM3_ERRNO_14, STATUS_CODE, ERRORS_DOWNLOADING];
  if (!lines.some((line) => matchesAny(line, primary))) return undefined;
  const repo =
    firstMatch(lines, FAILED_METADATA)?.[1] ??
    firstMatch(lines, ERRORS_DOWNLOADING)?.[1] ??
    firstMatch(lines, CANNOT_RETRIEVE)?.[1] ??
    firstMatch(lines, NO_MORE_MIRRORS)?.[2] ??
    firstMatch(lines, NO_BASEURL)?.[1];
  const curl = firstMatch(lines, CURL);
  const errno = firstMatch(lines, YUM3_ERRNO_14);
  const status = firstMatch(lines, STATUS_CODE);
  let reason = "";
  if (curl) reason = `: Curl error (${curl[1]}): ${quote(curl[2] ?? "")} (${quote(curl[3] ?? "")})`;
  else if (errno) reason = `: ${quote(errno[2] ?? "")} (${quote(errno[1] ?? "")})`;
  else if (status) reason = `: HTTP status ${status[1]} (${quote(status[2] ?? "")})`;
  return {
    summary: `yum cannot download the metadata of ${repo ? `repository ${quote(repo)}` : "a repository"}${reason}`,
    evidence: pickEvidence(lines, primary, context),
  };
};

const lastLines = (lines: readonly string[]) => lines.slice(-LAST_LINES);

const timeout: Rule = (lines, output) =>
  output.timedOut
    ? {
        summary: "the command did not finish within its time limit and was stopped",
        evidence: lastLines(lines),
      }
    : undefined;

const RULES: ReadonlyArray<readonly [HostFailureCode, Rule]> = [
  ["sudo-password", sudoPassword],
  ["sudo-not-allowed", sudoNotAllowed],
  ["sudo-not-allowed", sudoRequiresTty],
  ["helper-missing", helperMissing],
  ["helper-refused", helperRefused],
  ["yum-lock", yumLock],
  ["disk-space", diskSpace],
  ["gpg", gpg],
  ["repo-unreachable", repoUnreachable],
  ["timeout", timeout],
];

function commandFailedSummary(exitCode: number | null): string {
  if (exitCode === null) {
    return "the command ended without an exit code (it was killed, or the connection dropped)";
  }
  if (exitCode === 0) return "the command exited 0, but its output was not what was expected";
  return `the command failed with exit code ${exitCode}`;
}

/**
 * Explains why a command on a KCM host failed, from its output: yum and dnf's
 * lock, repository, GPG and disk space errors (both dialects), sudo's
 * refusals, and our own timeout. Anything else is `command-failed`, with
 * the host's last lines as evidence. Never throws.
 */
export function classifyHostFailure(output: CommandOutput): HostFailure {
  const lines = [...readableLines(output.stdout), ...readableLines(output.stderr)]
    .map((line) => line.trim())
    .filter((line) => line !== "");
  for (const [code, rule] of RULES) {
    const found = rule(lines, output);
    if (found) return { code, ...found, exitCode: output.exitCode };
  }
  return {
    code: "command-failed",
    summary: commandFailedSummary(output.exitCode),
    evidence: lastLines(lines),
    exitCode: output.exitCode,
  };
}
