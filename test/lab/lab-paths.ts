import path from "node:path";

/**
 * Where the lab keeps everything: built repos, host key pairs that outlive
 * hosts (so a pinned key stays valid across `lab down`/`lab up`), and one
 * folder per running host.
 * @defaultValue `/var/tmp/kcm-lab`, or `KCM_LAB_DIR`
 */
export const LAB_DIR = path.resolve(process.env["KCM_LAB_DIR"] ?? "/var/tmp/kcm-lab");

export const labPaths = {
  root: LAB_DIR,
  /** One createrepo_c repository per release, plus `base`. */
  repos: path.join(LAB_DIR, "repos"),
  /** The host-side programs (systemctl, yum, rpm shims), copied from host-files/, and the product's host helper (`kcm-host`). */
  files: path.join(LAB_DIR, "files"),
  /** HOME for rpm and dnf: its .rpmmacros sets %_dbpath. */
  rpmHome: path.join(LAB_DIR, "rpmhome"),
  /** The client key pair every lab host accepts. */
  clientKey: path.join(LAB_DIR, "client", "id_ed25519"),
  keys: (index: number) => path.join(LAB_DIR, "keys", String(index)),
  hosts: path.join(LAB_DIR, "hosts"),
  host: (index: number) => path.join(LAB_DIR, "hosts", String(index)),
  homes: path.join(LAB_DIR, "homes"),
  locks: path.join(LAB_DIR, "locks"),
};

/** The loopback address of lab host N. */
export function labAddress(index: number): string {
  return `127.0.1.${index}`;
}

/** The Unix account the bot logs in as on lab host N. */
export function labUser(index: number): string {
  return `kcmlab${index}`;
}

/** The port every lab host's sshd listens on (at its own address). */
export const LAB_SSH_PORT = Number(process.env["KCM_LAB_SSH_PORT"] ?? 2222);

/**
 * The host slots this lab uses: 127.0.1.FIRST .. 127.0.1.LAST. The test
 * suite uses its own range and folder, so it never touches hosts a person
 * brought up with `npm run lab -- up`.
 * @defaultValue 1..100, or `KCM_LAB_FIRST_INDEX`..`KCM_LAB_LAST_INDEX`
 */
export const FIRST_HOST = Number(process.env["KCM_LAB_FIRST_INDEX"] ?? 1);
export const LAST_HOST = Number(process.env["KCM_LAB_LAST_INDEX"] ?? 100);
