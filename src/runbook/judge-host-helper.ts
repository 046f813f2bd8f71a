import type { HelperState } from "../kcm/inspect-helper.js";
import type { Finding } from "./finding.js";

const INSTALL = "kcm-chatops host-helper prints it, its sha256, and the commands that install it";

/**
 * Judges the host helper as the bot's account sees it: there, executable,
 * owned by root (it and its folder), out of the account's reach (not the
 * helper, nor a folder above it that could swap it), and byte for byte the
 * helper this bot ships. Anything else fails: a helper the account could
 * change is root for whoever holds the bot's key.
 */
export function judgeHostHelper(
  user: string,
  helperPath: string,
  state: HelperState,
  expected: { helperSha256: string },
): Finding {
  const check = "helper";
  const failed = (summary: string, details: string[], fix: string[]): Finding => ({
    check,
    status: "failed",
    summary,
    details,
    fix,
  });
  if (state.kind === "missing") {
    return failed(`the host helper is not installed at ${helperPath}`, [], [INSTALL]);
  }
  if (state.kind === "unrecognised") {
    return failed(
      `could not inspect ${helperPath} (stat, sha256sum)`,
      state.text.split("\n").slice(0, 10),
      [`look at the helper on the host; then reinstall it: ${INSTALL}`],
    );
  }
  const problems: string[] = [];
  if (state.ownerUid !== 0)
    problems.push(`${helperPath} is owned by uid ${state.ownerUid}, not root`);
  if (state.folderOwnerUid !== 0) {
    problems.push(`its folder is owned by uid ${state.folderOwnerUid}, not root`);
  }
  for (const path of state.writable) {
    problems.push(
      path === helperPath
        ? `${user} may write ${path}: it could make the helper run anything as root`
        : `${user} may write ${path} (no sticky bit): it could swap the helper for its own`,
    );
  }
  if (!state.executable) problems.push(`${helperPath} is not executable`);
  if (state.conf && state.conf.ownerUid !== 0) {
    problems.push(
      `kcm-host.conf beside it is owned by uid ${state.conf.ownerUid}, not root (the helper refuses to run)`,
    );
  }
  const conf = state.conf
    ? [`kcm-host.conf beside it says: ${state.conf.lines.filter((l) => l.trim()).join("; ")}`]
    : [];
  if (problems.length > 0) {
    return failed(
      `the host helper at ${helperPath} is not safe: ${problems[0]}`,
      [...problems.slice(1), ...conf],
      [
        `as root on the host: chown root:root ${helperPath} and its folder; chmod 0755 ${helperPath}; make no folder above it writable by ${user}`,
        `then check again; to reinstall: ${INSTALL}`,
      ],
    );
  }
  if (state.sha256 !== expected.helperSha256) {
    return failed(
      `the host helper at ${helperPath} is not this bot's: sha256 ${state.sha256.slice(0, 16)}…, this bot's is ${expected.helperSha256.slice(0, 16)}…`,
      ["an older release, or a copy changed on the host", ...conf],
      [`reinstall it: ${INSTALL}`],
    );
  }
  return {
    check,
    status: "ok",
    summary: `${helperPath}: root's, out of ${user}'s reach, the same as this bot's (sha256 ${state.sha256.slice(0, 16)}…)`,
    details: conf,
    fix: [],
  };
}
