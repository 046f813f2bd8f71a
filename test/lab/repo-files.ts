import { mkdir, readdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Release } from "./lab-packages.js";
import { labPaths } from "./lab-paths.js";

/** Where a host's repositories come from: the fields of its host.json that say so. */
export interface RepoSources {
  /** Releases whose repositories the host has. */
  published: readonly Release[];
  /**
   * Releases served over HTTP, and the server they come from (such as a
   * `startLabRepoServer` URL): the repository is `${base}/${release}`. Any
   * release not here is read from the lab's folder with `file://`.
   */
  repoBaseUrls?: { readonly [R in Release]?: string };
}

/**
 * Writes one .repo file per published release (and the base OS repo) into an
 * installroot. With `broken`, every baseurl (file or HTTP) points at a port
 * that refuses connections instead.
 */
export async function writeRepoFiles(
  root: string,
  sources: RepoSources,
  broken: boolean,
): Promise<void> {
  const dir = path.join(root, "etc/yum.repos.d");
  await mkdir(dir, { recursive: true });
  for (const file of await readdir(dir)) await rm(path.join(dir, file));
  const repo = (id: string, name: string, folder: string, base: string | undefined) =>
    [
      `[${id}]`,
      `name=${name}`,
      // Port 1 on loopback refuses connections: dnf's "Curl error (7)".
      `baseurl=${
        broken
          ? `http://127.0.0.1:1/kcm/${folder}`
          : base === undefined
            ? `file://${path.join(labPaths.repos, folder)}`
            : `${base.replace(/\/+$/, "")}/${folder}`
      }`,
      "enabled=1",
      "gpgcheck=0",
      "",
    ].join("\n");
  await writeFile(
    path.join(dir, "rhel-8-baseos.repo"),
    repo("rhel-8-baseos", "Red Hat Enterprise Linux 8 - BaseOS", "base", undefined),
  );
  for (const release of sources.published) {
    await writeFile(
      path.join(dir, `kcm-${release}.repo`),
      repo(
        `kcm-${release}`,
        `Keeper Connection Manager ${release}`,
        release,
        sources.repoBaseUrls?.[release],
      ),
    );
  }
}
