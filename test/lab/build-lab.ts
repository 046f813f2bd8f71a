import { createHash } from "node:crypto";
import { cp, mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ensureKeyPair } from "./ensure-key-pair.js";
import {
  BASE_PACKAGES,
  KCM_PACKAGES,
  type LabPackage,
  PACKAGE_RELEASE,
  RELEASE_PAYLOADS,
  RELEASES,
  unitFileText,
} from "./lab-packages.js";
import { labPaths } from "./lab-paths.js";
import { payloadBytes } from "./payload-bytes.js";
import { mustRun } from "./run-command.js";
import { withLabLock } from "./with-lab-lock.js";

const HOST_FILES = fileURLToPath(new URL("./host-files", import.meta.url));
/** The product's host helper, which every lab host installs as root's. */
const HOST_HELPER = fileURLToPath(new URL("../../host/kcm-host", import.meta.url));

interface SpecInput {
  version: string;
  release: string;
  packages: readonly LabPackage[];
  /** Package name → size of its payload file, read from `%{_sourcedir}/<name>.payload`. */
  payloads?: Readonly<Record<string, number>>;
}

/** An rpm spec that builds `packages` (the first is the main package) at one version. */
export function specText({ version, release, packages, payloads = {} }: SpecInput): string {
  const [main, ...rest] = packages;
  if (main === undefined) throw new Error("specText: no packages");
  const preamble = (pkg: LabPackage) => [
    ...(pkg.epoch === undefined ? [] : [`Epoch: ${pkg.epoch}`]),
    ...(pkg.arch === "noarch" ? ["BuildArch: noarch"] : []),
    ...(pkg.requires ?? []).map((r) => `Requires: ${r}`),
    ...(pkg.name === "redhat-release"
      ? ["Provides: system-release(releasever) = 8", "Provides: system-release = 8.10"]
      : []),
  ];
  const lines = [
    "%global debug_package %{nil}",
    "%global __os_install_post %{nil}",
    "%define _build_id_links none",
    `Name: ${main.name}`,
    `Version: ${version}`,
    `Release: ${release}`,
    `Summary: KCM lab package ${main.name}`,
    "License: ASL 2.0",
    ...preamble(main),
    "",
    "%description",
    `Lab build of ${main.name}: a version file, its unit files and perhaps a payload.`,
  ];
  for (const pkg of rest) {
    lines.push(
      "",
      `%package -n ${pkg.name}`,
      `Summary: KCM lab package ${pkg.name}`,
      ...preamble(pkg),
      "",
      `%description -n ${pkg.name}`,
      `Lab build of ${pkg.name}.`,
    );
  }
  // No scriptlets: an installroot has no /bin/sh to run them with.
  lines.push(
    "",
    "%install",
    "mkdir -p %{buildroot}/usr/share/kcm %{buildroot}/usr/lib/systemd/system",
  );
  for (const pkg of packages) {
    lines.push(`echo '${version}-${release}' > %{buildroot}/usr/share/kcm/${pkg.name}.version`);
    if (payloads[pkg.name] !== undefined) {
      lines.push(`cp %{_sourcedir}/${pkg.name}.payload %{buildroot}/usr/share/kcm/`);
    }
    if (pkg.unit) {
      lines.push(
        `cat > %{buildroot}/usr/lib/systemd/system/${pkg.unit.name}.service <<'UNIT'`,
        unitFileText(pkg.unit).trimEnd(),
        "UNIT",
      );
    }
    if (pkg.name === "redhat-release") {
      lines.push(
        "mkdir -p %{buildroot}/etc",
        "echo 'Red Hat Enterprise Linux release 8.10 (Ootpa)' > %{buildroot}/etc/redhat-release",
      );
    }
  }
  for (const pkg of packages) {
    lines.push("", pkg === main ? "%files" : `%files -n ${pkg.name}`);
    lines.push(`/usr/share/kcm/${pkg.name}.version`);
    if (payloads[pkg.name] !== undefined) lines.push(`/usr/share/kcm/${pkg.name}.payload`);
    if (pkg.unit) lines.push(`/usr/lib/systemd/system/${pkg.unit.name}.service`);
    if (pkg.name === "redhat-release") lines.push("/etc/redhat-release");
  }
  return `${lines.join("\n")}\n`;
}

/** A payload file rpmbuild finds in SOURCES: `bytes` bytes of {@link payloadBytes}(seed). */
interface PayloadSource {
  file: string;
  bytes: number;
  seed: string;
}

interface LabSpec {
  repo: string;
  name: string;
  text: string;
  payloads: PayloadSource[];
}

/** Every spec the lab builds, keyed by the repo it goes into. */
function allSpecs(): LabSpec[] {
  const kcm = RELEASES.map((version) => {
    const payloads = RELEASE_PAYLOADS[version] ?? {};
    return {
      repo: version,
      name: `kcm-${version}`,
      text: specText({ version, release: PACKAGE_RELEASE, packages: KCM_PACKAGES, payloads }),
      payloads: Object.entries(payloads).map(([pkg, bytes]) => ({
        file: `${pkg}.payload`,
        bytes,
        seed: `kcm-lab aes-256-ctr ${pkg}-${version}-${PACKAGE_RELEASE}`,
      })),
    };
  });
  const base = BASE_PACKAGES.map((pkg) => ({
    repo: "base",
    name: pkg.name,
    text: specText({ version: pkg.version, release: pkg.release, packages: [pkg] }),
    payloads: [],
  }));
  return [...kcm, ...base];
}

async function hostFilesDigest(): Promise<string> {
  const hash = createHash("sha256");
  const walk = async (dir: string): Promise<void> => {
    for (const entry of (await readdir(dir, { withFileTypes: true })).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      else hash.update(entry.name).update(await readFile(full));
    }
  };
  await walk(HOST_FILES);
  hash.update("kcm-host").update(await readFile(HOST_HELPER));
  return hash.digest("hex");
}

async function readStamp(file: string): Promise<string | undefined> {
  return readFile(file, "utf8").catch(() => undefined);
}

/**
 * Builds the lab's RPM repositories (one per release, plus `base`) and
 * installs its host-side programs, unless they are already built from the
 * same inputs. Safe to call from several processes at once.
 */
export async function buildLab(): Promise<{ built: boolean }> {
  const specs = allSpecs();
  const stamp = createHash("sha256")
    .update(JSON.stringify(specs))
    .update(await hostFilesDigest())
    .digest("hex");
  const stampFile = path.join(labPaths.root, "build.stamp");
  if ((await readStamp(stampFile)) === stamp) return { built: false };
  return withLabLock("build", async () => {
    if ((await readStamp(stampFile)) === stamp) return { built: false };
    const work = path.join(labPaths.root, `build.${process.pid}`);
    await rm(work, { recursive: true, force: true });
    for (const spec of specs) {
      const topdir = path.join(work, "rpmbuild", spec.name);
      await mkdir(topdir, { recursive: true });
      const specFile = path.join(topdir, `${spec.name}.spec`);
      await writeFile(specFile, spec.text);
      if (spec.payloads.length > 0) await mkdir(path.join(topdir, "SOURCES"));
      for (const payload of spec.payloads) {
        const bytes = payloadBytes(payload.seed, payload.bytes);
        await writeFile(path.join(topdir, "SOURCES", payload.file), bytes);
      }
      await mustRun("rpmbuild", ["-bb", "--quiet", "--define", `_topdir ${topdir}`, specFile]);
      const repo = path.join(work, "repos", spec.repo);
      await mkdir(repo, { recursive: true });
      for (const arch of await readdir(path.join(topdir, "RPMS"))) {
        await cp(path.join(topdir, "RPMS", arch), repo, { recursive: true });
      }
    }
    for (const repo of await readdir(path.join(work, "repos"))) {
      await mustRun("createrepo_c", ["--quiet", path.join(work, "repos", repo)]);
    }
    await mkdir(labPaths.rpmHome, { recursive: true });
    await writeFile(path.join(labPaths.rpmHome, ".rpmmacros"), "%_dbpath /var/lib/rpm\n");
    await rm(labPaths.repos, { recursive: true, force: true });
    await rename(path.join(work, "repos"), labPaths.repos);
    await rm(labPaths.files, { recursive: true, force: true });
    await cp(HOST_FILES, labPaths.files, { recursive: true });
    await cp(HOST_HELPER, path.join(labPaths.files, "kcm-host"));
    await rm(work, { recursive: true, force: true });
    await ensureKeyPair(labPaths.clientKey, "kcm-lab-client");
    await writeFile(stampFile, stamp);
    return { built: true };
  });
}
