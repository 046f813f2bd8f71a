import { access, constants } from "node:fs/promises";
import { runCommand } from "../lab/run-command.js";

const PROGRAMS = [
  "/usr/sbin/sshd",
  "/usr/bin/ssh",
  "/usr/bin/ssh-keygen",
  "/usr/bin/sudo",
  "/usr/sbin/visudo",
  "/usr/bin/rpm",
  "/usr/bin/rpmbuild",
  "/usr/bin/dnf",
  "/usr/bin/createrepo_c",
  "/usr/bin/unshare",
  "/usr/sbin/useradd",
  // Redis behind Sentinel, for the failover tests.
  "/usr/bin/redis-server",
  "/usr/bin/redis-sentinel",
];

/** What the KCM lab needs and this machine lacks; empty when the lab can run. */
export async function findMissingLabPrerequisites(): Promise<string[]> {
  const missing: string[] = [];
  if (process.getuid?.() !== 0)
    missing.push("root (the lab adds accounts, sudoers files and sshds)");
  for (const program of PROGRAMS) {
    if (
      !(await access(program, constants.X_OK).then(
        () => true,
        () => false,
      ))
    )
      missing.push(program);
  }
  // The `locale` fault generates de_DE.UTF-8 from Debian's `locales` sources.
  if (
    !(await access("/usr/share/i18n/locales/de_DE", constants.R_OK).then(
      () => true,
      () => false,
    ))
  )
    missing.push("/usr/share/i18n/locales/de_DE (apt install locales)");
  const dnfModule = await runCommand("/usr/bin/python3", ["-c", "import dnf"]).catch(
    () => undefined,
  );
  if (dnfModule?.code !== 0) missing.push("python3 module dnf (apt install dnf)");
  return missing;
}
