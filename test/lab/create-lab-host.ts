import { chmod, chown, copyFile, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Privilege } from "../../src/kcm/host-commands.js";
import { buildLab } from "./build-lab.js";
import { ensureKeyPair } from "./ensure-key-pair.js";
import { startSshd } from "./host-sshd.js";
import { kcmPackagesFor, LabHost, type LabHostRecord, type Layout } from "./lab-host.js";
import { BASE_PACKAGES, RELEASES, type Release } from "./lab-packages.js";
import { FIRST_HOST, LAB_SSH_PORT, LAST_HOST, labAddress, labPaths, labUser } from "./lab-paths.js";
import { labSudoersText } from "./lab-sudoers.js";
import { writeRepoFiles } from "./repo-files.js";
import { mustRun, runCommand } from "./run-command.js";
import { withLabLock } from "./with-lab-lock.js";

/** Options for {@link createLabHost}. */
export interface CreateLabHostOptions {
  /** @defaultValue `lab-<index>` */
  name?: string;
  /** The KCM release installed on the host. @defaultValue the oldest release */
  release?: Release;
  /** Newer releases already published to the host. @defaultValue none */
  publish?: Release[];
  /** @defaultValue `"standalone"` */
  layout?: Layout;
  /** Use this host slot (127.0.1.N) rather than the first free one. */
  index?: number;
  /** Start the units, as a booted host would have them. @defaultValue true */
  startServices?: boolean;
  /** How the bot's account gets root: the host helper, or (the old way) sudo of yum and systemctl. @defaultValue "helper" */
  privilege?: Privilege;
}

// RHEL 8's dnf.conf. Debian's sets skip_if_unavailable=True and best=False,
// which would make a broken repository look like "no updates".
const RHEL_DNF_CONF = (pluginDir: string) =>
  [
    "[main]",
    "gpgcheck=1",
    "installonly_limit=3",
    "clean_requirements_on_remove=True",
    "best=True",
    "skip_if_unavailable=False",
    `pluginpath=${pluginDir}`,
    "",
  ].join("\n");

async function allocateIndex(wanted?: number): Promise<number> {
  await mkdir(labPaths.hosts, { recursive: true });
  if (wanted !== undefined) {
    await mkdir(labPaths.host(wanted)).catch(() => {
      throw new Error(`lab: host slot ${wanted} is in use`);
    });
    return wanted;
  }
  for (let index = FIRST_HOST; index <= LAST_HOST; index++) {
    try {
      await mkdir(labPaths.host(index));
      return index;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
  }
  throw new Error(
    `lab: host slots ${FIRST_HOST}..${LAST_HOST} are all in use; run \`npm run lab -- down\``,
  );
}

/** Host key pairs live outside the host folder, so the same index keeps the same key. */
async function ensureHostKeys(index: number): Promise<void> {
  for (const sub of ["", "changed"]) {
    await ensureKeyPair(
      path.join(labPaths.keys(index), sub, "ssh_host_ed25519_key"),
      `kcm-lab-${index}`,
    );
  }
}

/** The lab account for host N: key-only (its password field is `*`, not a locked `!`). */
async function ensureAccount(user: string, home: string): Promise<number> {
  await withLabLock("accounts", async () => {
    const exists = (await runCommand("id", ["-u", user])).code === 0;
    if (!exists) {
      await mustRun("useradd", [
        "-M",
        "-d",
        home,
        "-s",
        "/bin/bash",
        "-c",
        "KCM lab host account",
        user,
      ]);
    } else {
      await mustRun("usermod", ["-d", home, user]);
    }
    await mustRun("usermod", ["-p", "*", user]);
  });
  const uid = Number((await mustRun("id", ["-u", user])).trim());
  const gid = Number((await mustRun("id", ["-g", user])).trim());
  // A new host is a new machine: nothing left in the home by an earlier host.
  await rm(home, { recursive: true, force: true });
  await mkdir(home, { recursive: true });
  await chown(home, uid, gid);
  return uid;
}

async function writeShims(dir: string): Promise<void> {
  const bin = path.join(dir, "bin");
  await mkdir(bin, { recursive: true });
  const shim = (program: string) =>
    `#!/bin/bash\n# ${path.basename(program)} of KCM lab host ${dir}\nexec ${program} ${dir} "$@"\n`;
  const shims = {
    yum: shim(path.join(labPaths.files, "yum.sh")),
    rpm: shim(path.join(labPaths.files, "rpm.sh")),
    systemctl: shim(`/usr/bin/python3 ${path.join(labPaths.files, "systemctl.py")}`),
  };
  for (const [name, text] of Object.entries(shims)) {
    await writeFile(path.join(bin, name), text);
    await chmod(path.join(bin, name), 0o755);
  }
}

/**
 * Installs the product's host helper as an administrator would (root's,
 * 0755), with a kcm-host.conf naming the host's own yum and systemctl: every
 * lab host shares this machine's /usr/bin.
 */
async function installHelper(host: LabHost): Promise<void> {
  const folder = path.dirname(host.helperPath);
  await mkdir(folder, { recursive: true, mode: 0o755 });
  await copyFile(path.join(labPaths.files, "kcm-host"), host.helperPath);
  await chmod(host.helperPath, 0o755);
  await writeFile(
    path.join(folder, "kcm-host.conf"),
    `YUM=${host.binDir}/yum\nSYSTEMCTL=${host.binDir}/systemctl\n`,
    { mode: 0o644 },
  );
}

async function fingerprint(publicKeyFile: string): Promise<string> {
  // "256 SHA256:abc... comment (ED25519)"
  const line = await mustRun("ssh-keygen", ["-l", "-E", "sha256", "-f", publicKeyFile]);
  const match = /SHA256:\S+/.exec(line);
  if (!match) throw new Error(`lab: no fingerprint in "${line.trim()}"`);
  return match[0];
}

/**
 * Makes a lab host: an installroot with the chosen KCM release installed by
 * dnf, an account with passwordless sudo for the runbook's commands, an sshd
 * on 127.0.1.N, and (by default) its units started.
 */
export async function createLabHost(options: CreateLabHostOptions = {}): Promise<LabHost> {
  await buildLab();
  const release = options.release ?? RELEASES[0];
  const layout = options.layout ?? "standalone";
  const index = await allocateIndex(options.index);
  const dir = labPaths.host(index);
  try {
    const user = labUser(index);
    const root = path.join(dir, "root");
    for (const sub of ["faults", "run", "log", "root/etc/dnf"]) {
      await mkdir(path.join(dir, sub), { recursive: true });
    }
    await chmod(path.join(dir, "run"), 0o755);
    await ensureHostKeys(index);
    const keyFile = path.join(labPaths.keys(index), "ssh_host_ed25519_key");
    const hostPublicKey = (await readFile(`${keyFile}.pub`, "utf8"))
      .trim()
      .split(" ")
      .slice(0, 2)
      .join(" ");
    const record: LabHostRecord = {
      index,
      name: options.name ?? `lab-${index}`,
      address: labAddress(index),
      port: LAB_SSH_PORT,
      user,
      layout,
      release,
      published: [release],
      ...(options.privilege === "direct-sudo" ? { privilege: "direct-sudo" as const } : {}),
      hostKeyFingerprint: await fingerprint(`${keyFile}.pub`),
      hostPublicKey,
    };
    const host = new LabHost(record);
    await host.saveRecord();
    await writeFile(
      path.join(root, "etc/dnf/dnf.conf"),
      RHEL_DNF_CONF(path.join(labPaths.files, "dnf-plugins")),
    );
    await writeRepoFiles(root, { published: [release] }, false);
    await writeShims(dir);
    const packages = [
      ...kcmPackagesFor(layout),
      ...BASE_PACKAGES.filter((p) => p.layouts.includes(layout)).map((p) => p.name),
    ];
    // The first install needs --releasever; redhat-release provides it afterwards.
    await mustRun(path.join(dir, "bin", "yum"), [
      "-y",
      "-q",
      "--releasever=8",
      "install",
      ...packages,
    ]);
    for (const later of options.publish ?? []) await host.publish(later);

    await ensureAccount(user, path.join(labPaths.homes, user));
    await writeFile(path.join(dir, "authorized_keys"), await readFile(`${labPaths.clientKey}.pub`));
    await installHelper(host);
    await writeFile(
      `/etc/sudoers.d/${user}`,
      labSudoersText({
        user,
        binDir: host.binDir,
        helperPath: host.helperPath,
        ...(record.privilege ? { privilege: record.privilege } : {}),
      }),
      { mode: 0o440 },
    );
    await mustRun("visudo", ["-c", "-q", "-f", `/etc/sudoers.d/${user}`]);
    await writeFile(host.knownHostsPath, `[${record.address}]:${record.port} ${hostPublicKey}\n`);
    await startSshd({
      dir,
      address: record.address,
      port: record.port,
      user,
      hostKeyFile: keyFile,
    });
    if (options.startServices ?? true) {
      const units = layout === "standalone" ? ["guacd", "guacamole"] : ["guacd", "tomcat"];
      await mustRun(path.join(dir, "bin", "systemctl"), ["start", ...units]);
    }
    return host;
  } catch (error) {
    await LabHost.open(index)
      .then((h) => h.destroy())
      .catch(() => rm(dir, { recursive: true, force: true }));
    throw error;
  }
}
