import { readFile, rm, writeFile } from "node:fs/promises";
import { request } from "node:http";
import { connect, type Socket } from "node:net";
import { machine } from "node:os";
import path from "node:path";
import type { HostAccess, Privilege } from "../../src/kcm/host-commands.js";
import { fileExists } from "./ensure-key-pair.js";
import { type HostFault, setHostFault } from "./host-faults.js";
import { killSshd, sshdPid, startSshd } from "./host-sshd.js";
import {
  GUACD_PORT,
  KCM_PACKAGES,
  PACKAGE_RELEASE,
  type Release,
  WEB_PORT,
} from "./lab-packages.js";
import { labPaths } from "./lab-paths.js";
import { isAlive, killAndWait, listProcesses } from "./lab-processes.js";
import { writeRepoFiles } from "./repo-files.js";
import { type CommandResult, mustRun, runCommand } from "./run-command.js";

export type Layout = "standalone" | "tomcat";

/** What host.json records about a lab host. */
export interface LabHostRecord {
  index: number;
  name: string;
  address: string;
  port: number;
  user: string;
  layout: Layout;
  /** The release installed when the host was made. */
  release: Release;
  /** Releases whose repositories the host has, oldest first. */
  published: Release[];
  /**
   * The published releases served over HTTP, and from where: the repository
   * is `${base}/${release}`. The others are read with `file://`. Absent when
   * every repository is a file one (and in records written before HTTP).
   */
  repoBaseUrls?: { [R in Release]?: string };
  /** How the account gets root: the host helper (the default, and absent in older records) or direct sudo. */
  privilege?: Privilege;
  /** OpenSSH's fingerprint of the host key, `SHA256:...`. */
  hostKeyFingerprint: string;
  /** The public host key line, `ssh-ed25519 AAAA...`. */
  hostPublicKey: string;
}

/** Options for {@link LabHost.publish}. */
export interface PublishOptions {
  /**
   * Serve the release from this HTTP server, such as a `startLabRepoServer`
   * URL: the host's .repo file points at `${baseUrl}/${release}`.
   * @defaultValue the lab's own folder, with `file://`
   */
  baseUrl?: string;
}

/** Options for {@link LabHost.ssh}. */
export interface SshOptions {
  /** Ask for a pseudo-terminal (`ssh -tt`). */
  tty?: boolean;
  timeoutMs?: number;
}

/** A running lab host: its own sshd, account, installroot and units. */
export class LabHost {
  readonly dir: string;

  constructor(readonly record: LabHostRecord) {
    this.dir = labPaths.host(record.index);
  }

  get name(): string {
    return this.record.name;
  }
  get address(): string {
    return this.record.address;
  }
  get port(): number {
    return this.record.port;
  }
  get user(): string {
    return this.record.user;
  }
  get root(): string {
    return path.join(this.dir, "root");
  }
  get privateKeyPath(): string {
    return labPaths.clientKey;
  }
  get knownHostsPath(): string {
    return path.join(this.dir, "known_hosts");
  }
  /** The product's host helper, installed root-owned in the host's own libexec folder. */
  get helperPath(): string {
    return path.join(this.dir, "libexec", "kcm-host");
  }
  /** The host's privilege setting, as its inventory entry gives it. */
  get access(): HostAccess {
    return { privilege: this.record.privilege ?? "helper", helperPath: this.helperPath };
  }
  /** `sudo -n <helper> <args>`: a root command through the host helper, as the bot sends one. */
  helper(args: string): string {
    return `sudo -n ${this.helperPath} ${args}`;
  }

  /** `sudo -n <helper> upgrade ...` of every kcm-* package of this host, to `release`. */
  helperUpgrade(release: Release): string {
    return this.helper(`upgrade ${kcmPackageSpecs(this.record.layout, release).join(" ")}`);
  }

  /** The host's bin folder: its yum, rpm and systemctl. */
  get binDir(): string {
    return path.join(this.dir, "bin");
  }

  /**
   * Runs one of the host's programs (`yum`, `rpm`, `systemctl`) as root on
   * the host, as an administrator with a root shell there would: what the
   * tests use to look at or change a host behind the bot's back.
   */
  asRoot(
    program: "yum" | "rpm" | "systemctl",
    args: string[],
    options: { timeoutMs?: number } = {},
  ): Promise<CommandResult> {
    return runCommand(path.join(this.binDir, program), args, options);
  }

  /** The newest yum transaction id on the host (0 on a host with none), read as root. */
  async lastTransaction(): Promise<number> {
    const info = await this.asRoot("yum", ["history", "info"]);
    return Number(/Transaction ID : (\d+)/.exec(info.stdout)?.[1] ?? 0);
  }

  /** Reads a host that was made earlier (by this or another process). */
  static async open(index: number): Promise<LabHost> {
    const record = JSON.parse(
      await readFile(path.join(labPaths.host(index), "host.json"), "utf8"),
    ) as LabHostRecord;
    return new LabHost(record);
  }

  /** The OpenSSH client's argument list for a command on this host. */
  sshArgs(command: string, options: SshOptions = {}): string[] {
    return [
      "-F",
      "/dev/null",
      "-i",
      this.privateKeyPath,
      "-p",
      String(this.port),
      "-o",
      "BatchMode=yes",
      "-o",
      "IdentitiesOnly=yes",
      "-o",
      "StrictHostKeyChecking=yes",
      "-o",
      `UserKnownHostsFile=${this.knownHostsPath}`,
      "-o",
      "LogLevel=ERROR",
      options.tty ? "-tt" : "-T",
      `${this.user}@${this.address}`,
      command,
    ];
  }

  /** Runs `command` on the host with the OpenSSH client, as a person would. */
  ssh(command: string, options: SshOptions = {}): Promise<CommandResult> {
    return runCommand("ssh", this.sshArgs(command, options), {
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    });
  }

  /** Installed kcm-* packages, name → `[epoch:]version-release`, read with the host's rpm. */
  /**
   * Opens `count` sessions to the host's guacd (TCP connections it holds, as
   * a real guacd holds a remote desktop), until `close()`.
   */
  async openSessions(count: number): Promise<{ open(): number; close(): Promise<void> }> {
    const sockets = await Promise.all(
      Array.from(
        { length: count },
        () =>
          new Promise<Socket>((resolve, reject) => {
            const socket = connect({ host: this.address, port: GUACD_PORT }, () => resolve(socket));
            socket.on("error", reject);
          }),
      ),
    );
    for (const socket of sockets) socket.on("error", () => {});
    return {
      /** How many are still open (guacd has not closed them). */
      open: () => sockets.filter((socket) => !socket.destroyed && !socket.readableEnded).length,
      close: async () => {
        await Promise.all(
          sockets.map(
            (socket) =>
              new Promise<void>((resolve) => {
                // Already closed when guacd stopped (the stop cut the session).
                if (socket.destroyed) return resolve();
                socket.once("close", () => resolve());
                socket.end();
              }),
          ),
        );
      },
    };
  }

  async installed(): Promise<Map<string, string>> {
    const out = await mustRun(path.join(this.dir, "bin", "rpm"), [
      "-qa",
      "--qf",
      "%{NAME} %|EPOCH?{%{EPOCH}:}:{}|%{VERSION}-%{RELEASE}\\n",
      "kcm-*",
    ]);
    const versions = new Map<string, string>();
    for (const line of out.trim().split("\n").filter(Boolean)) {
      const [name, evr] = line.split(" ");
      if (name && evr) versions.set(name, evr);
    }
    return versions;
  }

  /** `systemctl is-active` of one unit, as root on the host sees it. */
  async unitState(unit: string): Promise<string> {
    const result = await runCommand(path.join(this.dir, "bin", "systemctl"), ["is-active", unit]);
    return result.stdout.trim();
  }

  /** What the web unit (guacamole or tomcat) answers: the version it was started with. */
  webStatus(): Promise<{ unit: string; version: string; pid: number; startedAt: number }> {
    return new Promise((resolve, reject) => {
      const req = request(
        { host: this.address, port: WEB_PORT, path: "/", timeout: 2000 },
        (res) => {
          let body = "";
          res.setEncoding("utf8").on("data", (c: string) => {
            body += c;
          });
          res.on("end", () => {
            try {
              resolve(JSON.parse(body));
            } catch (error) {
              reject(error);
            }
          });
        },
      );
      req.on("error", reject);
      req.on("timeout", () => req.destroy(new Error("web unit did not answer")));
      req.end();
    });
  }

  /**
   * Adds a release's repository to the host, as Keeper publishing a new
   * release would; publishing it again moves it to the base URL given (or
   * back to `file://`).
   */
  async publish(release: Release, options: PublishOptions = {}): Promise<void> {
    const { baseUrl } = options;
    if (baseUrl !== undefined && !/^https?:\/\/[^/]/.test(baseUrl)) {
      throw new Error(`lab: publish ${release}: baseUrl must be an http(s) URL, not "${baseUrl}"`);
    }
    if (!this.record.published.includes(release)) this.record.published.push(release);
    const urls = { ...this.record.repoBaseUrls };
    if (baseUrl === undefined) delete urls[release];
    else urls[release] = baseUrl.replace(/\/+$/, "");
    if (Object.keys(urls).length > 0) this.record.repoBaseUrls = urls;
    else delete this.record.repoBaseUrls;
    await this.saveRecord();
    await writeRepoFiles(this.root, this.record, false);
  }

  /** Switches a fault on (with its argument) or off. */
  fault(fault: HostFault, on: boolean | number | string = true): Promise<void> {
    return setHostFault(this, fault, on);
  }

  /** Kills sshd (listener and live connections) with SIGKILL. */
  killSshd(): Promise<void> {
    return killSshd(this.dir);
  }

  /** (Re)starts sshd, with the changed host key while that fault is on. */
  async startSshd(): Promise<void> {
    const changed = await fileExists(path.join(this.dir, "faults", "host-key-changed"));
    const hostKeyFile = path.join(
      labPaths.keys(this.record.index),
      changed ? "changed" : "",
      "ssh_host_ed25519_key",
    );
    const lang = (
      await readFile(path.join(this.dir, "faults", "locale"), "utf8").catch(() => "")
    ).trim();
    const pid = await sshdPid(this.dir);
    if (pid !== undefined && isAlive(pid)) await killAndWait([pid], "SIGTERM");
    await startSshd({
      dir: this.dir,
      address: this.address,
      port: this.port,
      user: this.user,
      hostKeyFile,
      ...(lang ? { lang } : {}),
    });
  }

  async saveRecord(): Promise<void> {
    await writeFile(path.join(this.dir, "host.json"), `${JSON.stringify(this.record, null, 2)}\n`);
  }

  /**
   * Removes the host: ends every process it started (units, lock holders,
   * sshd and its sessions, commands still running in it) and its files. The
   * account and the host key pair stay, for the next host with this index.
   */
  async destroy(): Promise<void> {
    const processes = await listProcesses();
    const uid = Number((await runCommand("id", ["-u", this.user])).stdout.trim() || -1);
    const ours = processes
      .filter(
        (p) =>
          p.pid !== process.pid &&
          (p.uid === uid ||
            `${p.cmdline} `.includes(`${this.dir}/`) ||
            `${p.cmdline} `.includes(`${this.dir} `) ||
            p.cmdline.includes(` ${this.address} `)),
      )
      .map((p) => p.pid);
    const sshd = await sshdPid(this.dir);
    await killAndWait(sshd === undefined ? ours : [sshd, ...ours]);
    await rm(`/etc/sudoers.d/${this.user}`, { force: true });
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** The kcm-* package names a host of `layout` has installed. */
export function kcmPackagesFor(layout: Layout): string[] {
  return KCM_PACKAGES.filter((p) => p.layouts.includes(layout)).map((p) => p.name);
}

/** Exact packages (`kcm-guacd-2.24.1-1.el8.x86_64`) of a host of `layout` at `release`, as the helper takes them. */
export function kcmPackageSpecs(layout: Layout, release: Release): string[] {
  // rpmbuild builds "native" packages for this machine.
  const native = machine();
  return KCM_PACKAGES.filter((p) => p.layouts.includes(layout)).map(
    (p) =>
      `${p.name}-${p.epoch === undefined ? "" : `${p.epoch}:`}${release}-${PACKAGE_RELEASE}.${p.arch === "native" ? native : "noarch"}`,
  );
}
