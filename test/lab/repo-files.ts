import { mkdir, readdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Release } from "./lab-packages.js";
import { labPaths } from "./lab-paths.js";

/** Writes one .repo file per published release (and the base OS repo) into an installroot. */
export async function writeRepoFiles(
  root: string,
  published: readonly Release[],
  broken: boolean,
): Promise<void> {
  const dir = path.join(root, "etc/yum.repos.d");
  await mkdir(dir, { recursive: true });
  for (const file of await readdir(dir)) await rm(path.join(dir, file));
  const repo = (id: string, name: string, folder: string) =>
    [
      `[${id}]`,
      `name=${name}`,
      // Port 1 on loopback refuses connections: dnf's "Curl error (7)".
      `baseurl=${broken ? `http://127.0.0.1:1/kcm/${folder}` : `file://${path.join(labPaths.repos, folder)}`}`,
      "enabled=1",
      "gpgcheck=0",
      "",
    ].join("\n");
  await writeFile(
    path.join(dir, "rhel-8-baseos.repo"),
    repo("rhel-8-baseos", "Red Hat Enterprise Linux 8 - BaseOS", "base"),
  );
  for (const release of published) {
    await writeFile(
      path.join(dir, `kcm-${release}.repo`),
      repo(`kcm-${release}`, `Keeper Connection Manager ${release}`, release),
    );
  }
}
