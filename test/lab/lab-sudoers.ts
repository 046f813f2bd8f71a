/**
 * The sudo rights of a lab host's account: passwordless, for exactly the
 * commands the runbook runs (sudoers(5) wildcards: `*` also matches spaces).
 */
export function labSudoersText(user: string, binDir: string, requirePassword: boolean): string {
  const yum = `${binDir}/yum`;
  const systemctl = `${binDir}/systemctl`;
  const alias = `KCMLAB_${user.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`;
  const commands = [
    "/usr/bin/true",
    `${yum} list updates kcm-*`,
    `${yum} --setopt=exit_on_lock=True list updates kcm-*`,
    `${yum} --setopt=exit_on_lock=True check-update kcm-*`,
    `${yum} upgrade -y kcm-*`,
    `${yum} --setopt=exit_on_lock=True upgrade -y kcm-*`,
    `${yum} --setopt=exit_on_lock=True upgrade -y --downloadonly kcm-*`,
    `${yum} --setopt=exit_on_lock=True history list kcm-*`,
    `${yum} --setopt=exit_on_lock=True history info [0-9]*`,
    `${yum} --setopt=exit_on_lock=True history undo -y [0-9]*`,
    ...["stop", "start", "restart"].flatMap((verb) =>
      ["guacamole guacd", "tomcat guacd", "guacd", "guacamole", "tomcat"].map(
        (units) => `${systemctl} ${verb} ${units}`,
      ),
    ),
  ];
  return [
    `# KCM lab: ${user} may run the runbook's commands as root, and nothing else.`,
    // The lab's yum and systemctl are found through the PATH sshd sets.
    `Defaults:${user} !secure_path, !requiretty, !lecture`,
    `Cmnd_Alias ${alias} = ${commands.map((c) => c.replaceAll(",", "\\,")).join(", \\\n    ")}`,
    `${user} ALL=(root) ${requirePassword ? "PASSWD" : "NOPASSWD"}: ${alias}`,
    "",
  ].join("\n");
}
