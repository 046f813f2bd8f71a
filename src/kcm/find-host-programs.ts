import type { CommandOutput } from "./command-output.js";
import { type HostPrograms, RHEL_PROGRAMS } from "./sudoers-lines.js";

/**
 * Where the bot's account finds yum, systemctl and true: the first
 * executable file of each name along its PATH (POSIX sh, so it runs the same
 * on RHEL 7, 8 and 9). Prints `<name> <path>` per program, the path empty
 * when there is none.
 */
export const FIND_PROGRAMS = [
  "for p in yum systemctl true; do",
  "f=; IFS=:; for d in $PATH; do",
  'if [ -f "$d/$p" ] && [ -x "$d/$p" ]; then f="$d/$p"; break; fi;',
  'done; unset IFS; echo "$p $f";',
  "done",
].join(" ");

/**
 * Reads {@link FIND_PROGRAMS}: each program's absolute path, or RHEL's
 * (`/usr/bin/...`) where the account's PATH has none. These are the paths
 * the sudoers lines for the host should name, since `sudo yum` runs the
 * `yum` the account finds (unless sudoers sets a `secure_path` that finds
 * another; on RHEL both find `/usr/bin/yum`).
 */
export function parseHostPrograms(output: CommandOutput): HostPrograms {
  const found = new Map<string, string>();
  for (const line of output.stdout.split("\n")) {
    const match = /^(yum|systemctl|true) (\/\S+)$/.exec(line.trim());
    if (match?.[1] && match[2]) found.set(match[1], match[2]);
  }
  return {
    yum: found.get("yum") ?? RHEL_PROGRAMS.yum,
    systemctl: found.get("systemctl") ?? RHEL_PROGRAMS.systemctl,
    true: found.get("true") ?? RHEL_PROGRAMS.true,
  };
}
