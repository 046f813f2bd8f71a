import type { Privilege } from "../../src/kcm/host-commands.js";
import { sudoersLines } from "../../src/kcm/sudoers-lines.js";

/**
 * RHEL's /etc/sudoers keeps the login's locale for the command (Debian's
 * does not): a host whose login sets LANG=de_DE.UTF-8 runs a sudo'd yum in
 * German. The lab keeps it too, so the `locale` fault reaches yum as on RHEL.
 */
const RHEL_ENV_KEEP =
  "LANG LANGUAGE LINGUAS LC_ADDRESS LC_CTYPE LC_COLLATE LC_IDENTIFICATION LC_MEASUREMENT LC_MESSAGES LC_MONETARY LC_NAME LC_NUMERIC LC_PAPER LC_TELEPHONE LC_TIME LC_ALL";

/** What a lab host's sudo rights are made from. */
export interface LabSudoers {
  user: string;
  /** The host's own bin folder (its yum, rpm and systemctl). */
  binDir: string;
  helperPath: string;
  /** @defaultValue "helper" */
  privilege?: Privilege;
  /** sudo asks for a password for every command (the `sudo-password` fault). */
  requirePassword?: boolean;
}

/**
 * The sudo rights of a lab host's account: exactly the bot's, from
 * `sudoersLines` — the host helper alone by default, or (`direct-sudo`) the
 * host's own yum and systemctl — and nothing else. With `requirePassword`,
 * sudo asks for a password for all of them.
 */
export function labSudoersText(s: LabSudoers): string {
  const privilege = s.privilege ?? "helper";
  const programs = {
    yum: `${s.binDir}/yum`,
    systemctl: `${s.binDir}/systemctl`,
    true: "/usr/bin/true",
  };
  const tag = s.requirePassword ? "PASSWD:" : "NOPASSWD:";
  return [
    `# KCM lab: ${s.user} may run the bot's root commands (${privilege}), and nothing else.`,
    `Defaults:${s.user} !lecture`,
    `Defaults:${s.user} env_keep += "${RHEL_ENV_KEEP}"`,
    // direct-sudo: the lab's yum and systemctl are found through the PATH sshd sets.
    ...(privilege === "direct-sudo" ? [`Defaults:${s.user} !secure_path`] : []),
    ...sudoersLines(s.user, { privilege, helperPath: s.helperPath }, programs).map((line) =>
      line.replace("NOPASSWD:", tag),
    ),
    "",
  ].join("\n");
}
