import { parseArgs } from "node:util";
import { DEFAULT_HELPER_PATH, type HostAccess } from "../kcm/host-commands.js";
import { readHostHelper } from "../kcm/read-host-helper.js";
import { sudoersLines } from "../kcm/sudoers-lines.js";
import type { CliOutput } from "./run-check.js";
import { UsageError } from "./usage-error.js";

export const SUDOERS_USAGE = "kcm-chatops sudoers [--user NAME] [--helper PATH | --direct-sudo]";
export const HOST_HELPER_USAGE = "kcm-chatops host-helper [--user NAME] [--path PATH] [--script]";

const ACCOUNT = /^[A-Za-z_][A-Za-z0-9_.-]{0,31}$/;
const PATH = /^\/[A-Za-z0-9._/+-]+$/;

function checkedUser(user: string): string {
  if (!ACCOUNT.test(user)) throw new UsageError(`--user: not an account name: ${user}`);
  return user;
}

function checkedPath(path: string): string {
  if (!PATH.test(path) || path.split("/").includes("..")) {
    throw new UsageError(`--path: expected a plain absolute path, got ${path}`);
  }
  return path;
}

/** `kcm-chatops sudoers`: the sudoers file for the bot's account (the helper's by default). */
export function runSudoers(args: string[], io: CliOutput): number {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      user: { type: "string", default: "kcm-bot" },
      helper: { type: "string", default: DEFAULT_HELPER_PATH },
      "direct-sudo": { type: "boolean", default: false },
    },
  });
  const access: HostAccess = {
    privilege: values["direct-sudo"] ? "direct-sudo" : "helper",
    helperPath: checkedPath(values.helper),
  };
  io.out(
    [
      "# /etc/sudoers.d/kcm-chatops (check with: visudo -cf FILE)",
      ...(access.privilege === "direct-sudo"
        ? [
            "# privilege: direct-sudo is ROOT-EQUIVALENT: sudo's * matches spaces, so these rules",
            "# admit any package file and any yum option. Prefer the helper: kcm-chatops host-helper",
          ]
        : []),
      ...sudoersLines(checkedUser(values.user), access),
    ].join("\n"),
  );
  return 0;
}

/**
 * `kcm-chatops host-helper`: a root shell script that installs the host
 * helper (root-owned, 0755) and the helper-only sudoers file on a KCM host,
 * and checks both; with `--script`, the helper alone.
 */
export function runHostHelper(args: string[], io: CliOutput): number {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      user: { type: "string", default: "kcm-bot" },
      path: { type: "string", default: DEFAULT_HELPER_PATH },
      script: { type: "boolean", default: false },
    },
  });
  const helper = readHostHelper();
  if (values.script) {
    io.out(helper.text.replace(/\n$/, ""));
    return 0;
  }
  const user = checkedUser(values.user);
  const path = checkedPath(values.path);
  const folder = path.slice(0, path.lastIndexOf("/")) || "/";
  const marker = "KCM_HOST_HELPER_EOF";
  if (helper.text.includes(marker)) throw new Error("the helper contains the here-document marker");
  io.out(
    [
      `# kcm-host ${helper.sha256}`,
      `# Run as root on each KCM host (e.g. save as install-kcm-host.sh; sudo sh install-kcm-host.sh).`,
      `# It installs the host helper at ${path}, root-owned, and lets ${user} run it,`,
      "# and nothing else, as root without a password. The bot's commands go through it.",
      "set -eu",
      `install -d -o root -g root -m 0755 ${folder}`,
      `cat > ${path}.new <<'${marker}'`,
      helper.text.replace(/\n$/, ""),
      marker,
      `chown root:root ${path}.new && chmod 0755 ${path}.new && mv -f ${path}.new ${path}`,
      `echo "${helper.sha256}  ${path}" | sha256sum -c -`,
      `cat > /etc/sudoers.d/kcm-chatops.new <<'${marker}'`,
      ...sudoersLines(user, { privilege: "helper", helperPath: path }),
      marker,
      "chmod 0440 /etc/sudoers.d/kcm-chatops.new",
      "visudo -cf /etc/sudoers.d/kcm-chatops.new && mv -f /etc/sudoers.d/kcm-chatops.new /etc/sudoers.d/kcm-chatops",
      `sudo -u ${user} sudo -n ${path} version`,
      "# Then, from the bot's side: kcm-chatops doctor",
    ].join("\n"),
  );
  return 0;
}
