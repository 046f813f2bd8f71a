import { mkdir, readFile, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { descendantsOf, killAndWait, listProcesses } from "./lab-processes.js";
import { mustRun } from "./run-command.js";

/** What a lab host's sshd needs to know. */
export interface SshdSettings {
  dir: string;
  address: string;
  port: number;
  user: string;
  hostKeyFile: string;
  /** The LANG every login gets (the `locale` fault); none by default, as on a server set up in English. */
  lang?: string;
}

export function sshdConfigText(s: SshdSettings): string {
  return [
    `ListenAddress ${s.address}:${s.port}`,
    `HostKey ${s.hostKeyFile}`,
    `PidFile ${path.join(s.dir, "sshd.pid")}`,
    `AuthorizedKeysFile ${path.join(s.dir, "authorized_keys")}`,
    // The lab lives under a root-owned folder, but KCM_LAB_DIR may point
    // anywhere (e.g. below /tmp, which StrictModes refuses).
    "StrictModes no",
    "UsePAM no",
    "PermitRootLogin no",
    "PasswordAuthentication no",
    "KbdInteractiveAuthentication no",
    "PubkeyAuthentication yes",
    `AllowUsers ${s.user}`,
    // The host's yum, rpm and systemctl come first, as /usr/bin would on RHEL.
    `SetEnv PATH=${path.join(s.dir, "bin")}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin${s.lang ? ` LANG=${s.lang}` : ""}`,
    "PrintMotd no",
    "PrintLastLog no",
    "MaxStartups 64:30:128",
    "MaxSessions 64",
    "LogLevel VERBOSE",
    "",
  ].join("\n");
}

/** Resolves once something accepts TCP connections at address:port, or throws after `timeoutMs`. */
export async function waitForPort(address: string, port: number, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: address, port });
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`lab: nothing listens on ${address}:${port}`);
    await sleep(20);
  }
}

/** Starts the host's sshd (it daemonizes and writes its pid file) and waits until it listens. */
export async function startSshd(s: SshdSettings): Promise<number> {
  await writeFile(path.join(s.dir, "sshd_config"), sshdConfigText(s));
  // sshd's privilege separation folder; Debian creates it at boot.
  await mkdir("/run/sshd", { recursive: true, mode: 0o755 });
  await mustRun("/usr/sbin/sshd", [
    "-f",
    path.join(s.dir, "sshd_config"),
    "-E",
    path.join(s.dir, "log", "sshd.log"),
  ]);
  await waitForPort(s.address, s.port);
  return sshdPid(s.dir) as Promise<number>;
}

export async function sshdPid(dir: string): Promise<number | undefined> {
  const text = await readFile(path.join(dir, "sshd.pid"), "utf8").catch(() => "");
  const pid = Number(text.trim());
  return pid > 0 ? pid : undefined;
}

/**
 * Kills the host's sshd with SIGKILL: the listener and every per-connection
 * sshd, so open connections drop at once. Commands they were running are
 * left alone, as when a real sshd dies.
 */
export async function killSshd(dir: string): Promise<void> {
  const pid = await sshdPid(dir);
  if (pid === undefined) return;
  const processes = await listProcesses();
  const sshds = descendantsOf(processes, pid).filter((p) =>
    /^(\/usr\/sbin\/)?sshd\b/.test(processes.find((e) => e.pid === p)?.cmdline ?? ""),
  );
  await killAndWait(sshds.length > 0 ? sshds : [pid]);
}
