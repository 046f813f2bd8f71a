import { sudoersLines } from "../../src/kcm/commands.js";

/**
 * The sudo rights of a lab host's account: exactly the bot's (from
 * {@link sudoersLines}, with the host's own yum and systemctl), plus the
 * commands of Keeper's manual procedure that a person tries by hand in the
 * lab. With `requirePassword`, sudo asks for a password for all of them.
 */
export function labSudoersText(user: string, binDir: string, requirePassword: boolean): string {
  const programs = {
    yum: `${binDir}/yum`,
    systemctl: `${binDir}/systemctl`,
    true: "/usr/bin/true",
  };
  const yum = `${programs.yum} --setopt\\=exit_on_lock\\=True`;
  const unitSets = ["guacamole guacd", "tomcat guacd", "guacd", "guacamole", "tomcat"];
  const manual = [
    `${programs.yum} list updates kcm-*`,
    `${programs.yum} upgrade -y kcm-*`,
    `${yum} upgrade -y kcm-*`,
    `${yum} history info [0-9]*`,
    `${yum} history undo -y [0-9]*`,
    ...["stop", "start", "restart"].flatMap((verb) =>
      unitSets.map((units) => `${programs.systemctl} ${verb} ${units}`),
    ),
  ];
  const manualAlias = `KCMLAB_MANUAL_${user.toUpperCase()}`;
  const tag = requirePassword ? "PASSWD:" : "NOPASSWD:";
  return [
    `# KCM lab: ${user} may run the bot's commands and Keeper's manual procedure as root.`,
    // The lab's yum and systemctl are found through the PATH sshd sets.
    `Defaults:${user} !secure_path, !lecture`,
    ...sudoersLines(user, programs).map((line) => line.replace("NOPASSWD:", tag)),
    `Cmnd_Alias ${manualAlias} = ${manual.join(", \\\n    ")}`,
    `${user} ALL=(root) ${tag} ${manualAlias}`,
    "",
  ].join("\n");
}
