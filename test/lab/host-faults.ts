import { spawn } from "node:child_process";
import { open, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileExists } from "./ensure-key-pair.js";
import type { LabHost } from "./lab-host.js";
import { labPaths } from "./lab-paths.js";
import { killAndWait } from "./lab-processes.js";
import { labSudoersText } from "./lab-sudoers.js";
import { writeRepoFiles } from "./repo-files.js";
import { mustRun, runCommand } from "./run-command.js";
import { withLabLock } from "./with-lab-lock.js";

/**
 * The faults a lab host can be given on demand:
 * - `yum-lock`: another process holds dnf's locks (dnf waits, or exits 200 with exit_on_lock);
 * - `repo-unreachable`: every repository's server (file or HTTP) refuses connections;
 * - `start-fails`: the next start of a unit (the argument, default every unit) fails;
 * - `slow-upgrade`: rpm transactions take this many seconds (the argument, default 5);
 * - `host-key-changed`: sshd presents a different host key;
 * - `sudo-password`: sudo asks the lab account for a password;
 * - `disk-full`: the filesystem yum installs into is full;
 * - `repo-breaks-on-stop`: the repositories become unreachable (and dnf's
 *   cache, prefetched packages included, is gone) when a unit is next
 *   stopped; `repo-unreachable` off restores them;
 * - `locale`: the login sets LANG to a non-English locale (the argument,
 *   default `de_DE.UTF-8`), as `/etc/environment` or a profile would, and
 *   sudo keeps it, as RHEL's sudoers do: a bare `yum` speaks German.
 * An sshd killed mid-command is {@link LabHost.killSshd}, not a switch.
 */
export const HOST_FAULTS = [
  "yum-lock",
  "repo-unreachable",
  "start-fails",
  "slow-upgrade",
  "host-key-changed",
  "sudo-password",
  "disk-full",
  "repo-breaks-on-stop",
  "locale",
  "no-ss",
  "no-proc-net",
] as const;
export type HostFault = (typeof HOST_FAULTS)[number];

const faultFile = (host: LabHost, name: string) => path.join(host.dir, "faults", name);

async function holdYumLock(host: LabHost): Promise<void> {
  const pidFile = faultFile(host, "yum-lock.pid");
  if (await fileExists(pidFile)) return;
  const log = await open(path.join(host.dir, "log", "yum-lock.log"), "a");
  const holder = spawn(
    "/usr/bin/python3",
    [path.join(labPaths.files, "hold-dnf-lock.py"), host.root, pidFile],
    { detached: true, stdio: ["ignore", log.fd, log.fd] },
  );
  holder.unref();
  await log.close();
  let exited: number | null | undefined;
  holder.once("exit", (code) => {
    exited = code;
  });
  // The holder writes its pid file once it holds every lock.
  while (!(await fileExists(pidFile))) {
    if (exited !== undefined)
      throw new Error(`lab: dnf lock holder exited ${exited}; see ${host.dir}/log/yum-lock.log`);
    await sleep(10);
  }
}

async function releaseYumLock(host: LabHost): Promise<void> {
  const pidFile = faultFile(host, "yum-lock.pid");
  const pid = Number(await readFile(pidFile, "utf8").catch(() => ""));
  if (pid > 0) await killAndWait([pid]);
  await rm(pidFile, { force: true });
}

async function setRepoReachable(host: LabHost, reachable: boolean): Promise<void> {
  // HTTP repositories as well as file ones: the record keeps their base URLs.
  await writeRepoFiles(host.root, host.record, !reachable);
  // dnf would keep using its cached metadata; a broken mirror is only noticed
  // once the cache expires, so expire it now.
  await rm(path.join(host.root, "var/cache/dnf"), { recursive: true, force: true });
}

async function setSudoPassword(host: LabHost, required: boolean): Promise<void> {
  const file = `/etc/sudoers.d/${host.user}`;
  const text = labSudoersText({
    user: host.user,
    binDir: host.binDir,
    helperPath: host.helperPath,
    privilege: host.access.privilege,
    requirePassword: required,
  });
  await writeFile(file, text, { mode: 0o440 });
}

/** Generates a glibc locale on this machine once (Debian's `locales` has the sources). */
async function ensureLocale(name: string): Promise<void> {
  const [language, charset = "UTF-8"] = name.split(".");
  const listed = await runCommand("locale", ["-a"]);
  const wanted = `${language}.${charset.toLowerCase().replace("-", "")}`;
  if (listed.stdout.split("\n").includes(wanted)) return;
  await withLabLock("locale", async () => {
    await mustRun("localedef", ["-i", language ?? "", "-f", charset, name]);
  });
}

async function setLocale(host: LabHost, locale: string | undefined): Promise<void> {
  if (locale !== undefined) {
    if (!/^[a-z]{2}_[A-Z]{2}\.UTF-8$/.test(locale)) {
      throw new Error(`lab: locale: expected a locale such as de_DE.UTF-8, not "${locale}"`);
    }
    await ensureLocale(locale);
  }
  await setFlag(host, "locale", locale);
  await host.startSshd();
}

async function setFlag(host: LabHost, name: string, value: string | undefined): Promise<void> {
  if (value === undefined) await rm(faultFile(host, name), { force: true });
  else await writeFile(faultFile(host, name), `${value}\n`);
}

/** Switches `fault` on (`true`, or an argument) or off (`false`) on `host`. */
export async function setHostFault(
  host: LabHost,
  fault: HostFault,
  on: boolean | number | string,
): Promise<void> {
  const enabled = on !== false;
  switch (fault) {
    case "yum-lock":
      return enabled ? holdYumLock(host) : releaseYumLock(host);
    case "repo-unreachable":
      return setRepoReachable(host, !enabled);
    case "start-fails":
      return setFlag(host, "start-fails", enabled ? String(on === true ? "*" : on) : undefined);
    case "slow-upgrade":
      return setFlag(host, "slow-upgrade", enabled ? String(on === true ? 5 : on) : undefined);
    case "disk-full":
      return setFlag(host, "disk-full", enabled ? "on" : undefined);
    case "repo-breaks-on-stop":
      return setFlag(host, "repo-breaks-on-stop", enabled ? "on" : undefined);
    case "sudo-password":
      return setSudoPassword(host, enabled);
    case "host-key-changed":
      await setFlag(host, "host-key-changed", enabled ? "on" : undefined);
      return host.startSshd();
    case "locale":
      return setLocale(host, enabled ? String(on === true ? "de_DE.UTF-8" : on) : undefined);
    case "no-ss":
      // A shim first on the login's PATH: `ss` is "not installed" (iproute2 missing).
      return setShim(
        host,
        "ss",
        enabled ? 'echo "bash: ss: command not found" >&2; exit 127' : undefined,
      );
    case "no-proc-net":
      // The kernel's TCP tables cannot be read (a hardened /proc); cat works for anything else.
      return setShim(
        host,
        "cat",
        enabled
          ? 'for f in "$@"; do case "$f" in /proc/net/*) echo "cat: $f: Permission denied" >&2; exit 1;; esac; done; exec /bin/cat "$@"'
          : undefined,
      );
  }
}

/** Puts a shell script named `name` first on the host's login PATH (its bin folder), or takes it away. */
async function setShim(host: LabHost, name: string, body: string | undefined): Promise<void> {
  const file = path.join(host.binDir, name);
  if (body === undefined) {
    await rm(file, { force: true });
    return;
  }
  await writeFile(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
}
